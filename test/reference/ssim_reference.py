#!/usr/bin/env python3
"""Expected SSIM values for src/lab/metrics/ssim.test.ts.

Recipe (numpy + scipy only; scikit-image is not needed):

    npx tsx test/reference/dump-metric-cases.ts /tmp/metric-cases
    python3 test/reference/ssim_reference.py /tmp/metric-cases \
        > src/lab/metrics/__fixtures__/ssim-reference.json
    npx prettier --write src/lab/metrics/__fixtures__/ssim-reference.json

`structural_similarity` below is a line-by-line transcription of the single-channel path of
scikit-image's skimage/metrics/_structural_similarity.py as released in 0.19-0.25, for the
call structural_similarity(im1, im2, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255, full=True). skimage's `gaussian` there is
skimage._shared.filters.gaussian, which for float input is scipy.ndimage.gaussian_filter with
the given mode ('reflect') and truncate (3.5). Later development versions add `padding_mode`,
which changes only the edges of the full map, not the cropped mean.

Inputs are BT.601 luma, 0.299 R + 0.587 G + 0.114 B, of the 8-bit RGB pairs that the dump
script writes (the same pairs the test rebuilds), as float64.
"""
import hashlib
import json
import os
import sys

import numpy as np
import scipy
from scipy.ndimage import gaussian_filter


def crop(ar, crop_width):
    # skimage.util.crop with a single int: the same width off both ends of every axis.
    sl = tuple(slice(crop_width, ar.shape[i] - crop_width) for i in range(ar.ndim))
    return ar[sl]


def structural_similarity(im1, im2, *, data_range, sigma=1.5, K1=0.01, K2=0.03,
                          use_sample_covariance=False):
    truncate = 3.5
    r = int(truncate * sigma + 0.5)  # radius as in ndimage
    win_size = 2 * r + 1
    if np.any((np.asarray(im1.shape) - win_size) < 0):
        raise ValueError('win_size exceeds image extent')

    ndim = im1.ndim
    filter_func = gaussian_filter
    filter_args = {'sigma': sigma, 'truncate': truncate, 'mode': 'reflect'}

    im1 = im1.astype(np.float64, copy=False)
    im2 = im2.astype(np.float64, copy=False)

    NP = win_size ** ndim
    cov_norm = NP / (NP - 1) if use_sample_covariance else 1.0

    ux = filter_func(im1, **filter_args)
    uy = filter_func(im2, **filter_args)
    uxx = filter_func(im1 * im1, **filter_args)
    uyy = filter_func(im2 * im2, **filter_args)
    uxy = filter_func(im1 * im2, **filter_args)
    vx = cov_norm * (uxx - ux * ux)
    vy = cov_norm * (uyy - uy * uy)
    vxy = cov_norm * (uxy - ux * uy)

    R = data_range
    C1 = (K1 * R) ** 2
    C2 = (K2 * R) ** 2

    A1, A2, B1, B2 = (2 * ux * uy + C1, 2 * vxy + C2, ux ** 2 + uy ** 2 + C1, vx + vy + C2)
    D = B1 * B2
    S = (A1 * A2) / D

    pad = (win_size - 1) // 2
    mssim = crop(S, pad).mean(dtype=np.float64)
    return mssim, S


def luma(rgb8):
    rgb = rgb8.astype(np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def load(folder, name, width, height):
    raw = open(os.path.join(folder, name), 'rb').read()
    return raw, np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)


def main(folder):
    cases = json.load(open(os.path.join(folder, 'cases.json')))
    out = []
    for case in cases:
        w, h = case['width'], case['height']
        raw_a, a = load(folder, case['a'], w, h)
        raw_b, b = load(folder, case['b'], w, h)
        mssim, S = structural_similarity(luma(a), luma(b), data_range=255)
        out.append({
            'name': case['name'],
            'description': case['description'],
            'width': w,
            'height': h,
            'sha256A': hashlib.sha256(raw_a).hexdigest(),
            'sha256B': hashlib.sha256(raw_b).hexdigest(),
            'ssim': float(mssim),
            # The uncropped map depends on the 'reflect' boundary; these pin it down.
            'fullMapMean': float(S.mean(dtype=np.float64)),
            'mapCorners': [float(S[0, 0]), float(S[0, -1]), float(S[-1, 0]), float(S[-1, -1])],
        })
    json.dump({
        'source': 'test/reference/ssim_reference.py (transcription of scikit-image 0.19-0.25 '
                  'structural_similarity, gaussian_weights=True, sigma=1.5, '
                  'use_sample_covariance=False, data_range=255) on BT.601 luma',
        'numpy': np.__version__,
        'scipy': scipy.__version__,
        'cases': out,
    }, sys.stdout, indent=2)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1])
