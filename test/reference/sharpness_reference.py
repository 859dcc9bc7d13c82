#!/usr/bin/env python3
"""Expected variance-of-Laplacian values for src/lab/metrics/sharpness.test.ts.

Recipe (numpy + scipy only; OpenCV is not needed):

    npx tsx test/reference/dump-metric-cases.ts /tmp/metric-cases
    python3 test/reference/sharpness_reference.py /tmp/metric-cases \
        > src/lab/metrics/__fixtures__/sharpness-reference.json
    npx prettier --write src/lab/metrics/__fixtures__/sharpness-reference.json

The measure is `cv2.Laplacian(gray, cv2.CV_64F).var()`: OpenCV's Laplacian with the default
ksize=1 filters with [[0, 1, 0], [1, -4, 1], [0, 1, 0]] under the default border
BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba), which is numpy.pad's mode='reflect'; .var() is
numpy's population variance. It is computed twice, from that definition and with
scipy.ndimage.laplace(mode='mirror') (the same stencil and border), and the two must agree.
`gray` is the unrounded BT.601 luma 0.299 R + 0.587 G + 0.114 B of the 8-bit pixels, float64.
"""
import hashlib
import json
import os
import sys

import numpy as np
import scipy
from scipy import ndimage


def luma(rgb8):
    rgb = rgb8.astype(np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def laplacian_var(gray):
    p = np.pad(gray, 1, mode='reflect')
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * p[1:-1, 1:-1]
    check = ndimage.laplace(gray, mode='mirror')
    assert np.allclose(lap, check, rtol=0, atol=1e-9), 'stencil and scipy.ndimage.laplace disagree'
    return float(lap.var())


def main(folder):
    cases = json.load(open(os.path.join(folder, 'cases.json')))
    out = []
    for case in cases:
        w, h = case['width'], case['height']
        for side in ('a', 'b'):
            raw = open(os.path.join(folder, case[side]), 'rb').read()
            rgb = np.frombuffer(raw, dtype=np.uint8).reshape(h, w, 3)
            out.append({
                'name': f"{case['name']}.{side}",
                'width': w,
                'height': h,
                'sha256': hashlib.sha256(raw).hexdigest(),
                'laplacianVariance': laplacian_var(luma(rgb)),
            })
    json.dump({
        'source': 'test/reference/sharpness_reference.py (variance of the 3x3 Laplacian of BT.601 '
                  'luma, BORDER_REFLECT_101, as cv2.Laplacian(gray, CV_64F).var())',
        'numpy': np.__version__,
        'scipy': scipy.__version__,
        'images': out,
    }, sys.stdout, indent=2)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1])
