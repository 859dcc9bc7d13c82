import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACES_DEV } from '../../../test/support/paths.js';
import { createContext, disposeContext, type Context } from '../../core/context.js';
import type { FaceModels } from '../../core/faces/face-models.js';
import { sharedFaceModels } from '../../core/faces/shared.js';
import { blurImage } from '../../core/image/blur.js';
import { readImage } from '../../core/image/decode.js';
import { cloneImage, type Image } from '../../core/image/image.js';
import { PairAnalysis } from '../analysis.js';
import { LAB_METRICS, metricById } from './registry.js';

/** Every metric id whose value a test below looked at: the last test checks none is left out. */
const exercised = new Set<string>();

async function score(
  input: Image,
  output: Image,
  faces: FaceModels | undefined,
  extra = { latencyMs: 12.5, peakRssMb: 345 },
): Promise<Record<string, number | undefined>> {
  const pair = new PairAnalysis(input, output, faces);
  const out: Record<string, number | undefined> = {};
  for (const m of LAB_METRICS) out[m.id] = await m.compute({ pair, ...extra });
  // reading a value is what counts: a new metric that no test checks fails the last test
  return new Proxy(out, {
    get(target, id: string) {
      if (id in target) exercised.add(id);
      return target[id];
    },
  });
}

/** Multiply every channel by `gain`, clamped: lighter (> 1) or darker (< 1). */
function exposed(image: Image, gain: number): Image {
  const out = cloneImage(image);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, out.data[i]! * gain);
  return out;
}

describe('LAB_METRICS', () => {
  it('every entry documents itself: id, description, reference, unit, direction', () => {
    const ids = LAB_METRICS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of LAB_METRICS) {
      expect(m.id).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(m.description.length).toBeGreaterThan(15);
      expect(m.reference.length).toBeGreaterThan(5);
      expect(m.unit.length).toBeGreaterThan(0);
      expect(['higher', 'lower', 'zero']).toContain(m.direction);
      expect(typeof m.compute).toBe('function');
    }
  });

  it('metricById finds an entry, or lists the valid ids', () => {
    expect(metricById('ssim').id).toBe('ssim');
    expect(() => metricById('sim')).toThrow(
      expect.objectContaining({
        code: 'FL_ERR_CONFIG',
        message: expect.stringMatching(
          /Expected a metric among identity, .*latency_ms.* but received "sim"/,
        ),
      }),
    );
  });
});

describe('each metric on a real portrait', () => {
  let ctx: Context;
  let faces: FaceModels;
  let portrait: Image;

  beforeAll(async () => {
    ctx = createContext();
    faces = await sharedFaceModels(ctx);
    portrait = (await readImage(path.join(FACES_DEV, 'B001239.jpg'))).image;
  });
  afterAll(async () => {
    await disposeContext(ctx);
  });

  it('an unchanged photo scores as unchanged', async () => {
    const s = await score(portrait, cloneImage(portrait), faces);
    expect(s.identity).toBeGreaterThan(0.999);
    expect(s.face_survival).toBe(1);
    expect(s.ssim).toBeCloseTo(1, 12);
    expect(s.psnr).toBe(100);
    expect(s.skin_delta_e).toBeCloseTo(0, 9);
    expect(s.skin_delta_l).toBeCloseTo(0, 9);
    expect(s.sharpness).toBeCloseTo(1, 12);
    for (const id of ['person_skin_delta_e', 'person_skin_delta_l', 'person_skin_delta_h'])
      expect(s[id], id).toBeCloseTo(0, 9);
    for (const id of ['person_skin_chroma', 'tone_gap_delta_l', 'tone_gap_delta_e'])
      expect(s[id], id).toBeCloseTo(0, 9);
    expect(s.edge_halo).toBeCloseTo(0, 9);
    expect(s.skin_breaks).toBe(0);
    expect(s.latency_ms).toBe(12.5);
    expect(s.peak_rss_mb).toBe(345);
  });

  it('a mild blur keeps the person; SSIM, PSNR and sharpness drop', async () => {
    const s = await score(portrait, blurImage(portrait, 1.5), faces);
    expect(s.identity).toBeGreaterThan(0.8);
    expect(s.identity).toBeLessThan(1);
    expect(s.face_survival).toBe(1);
    expect(s.ssim).toBeGreaterThan(0.5);
    expect(s.ssim).toBeLessThan(0.98);
    expect(s.psnr).toBeGreaterThan(20);
    expect(s.psnr).toBeLessThan(45);
    expect(s.sharpness).toBeGreaterThan(0);
    expect(s.sharpness).toBeLessThan(0.5);
    // blur barely moves the mean skin colour
    expect(s.skin_delta_e).toBeLessThan(3);
  });

  it('the skin shift is signed: lighter is positive, darker negative', async () => {
    const lighter = await score(portrait, exposed(portrait, 1.15), faces);
    const darker = await score(portrait, exposed(portrait, 0.85), faces);
    expect(lighter.skin_delta_l).toBeGreaterThan(2);
    expect(darker.skin_delta_l).toBeLessThan(-2);
    expect(lighter.skin_delta_e).toBeGreaterThan(2);
    expect(darker.skin_delta_e).toBeGreaterThan(2);
    // Over all the visible skin too (forehead, neck), the same sign.
    expect(lighter.person_skin_delta_l).toBeGreaterThan(2);
    expect(darker.person_skin_delta_l).toBeLessThan(-2);
    expect(darker.person_skin_delta_e).toBeGreaterThan(2);
  });

  it('face metrics do not apply to a photo without a face, or without face models', async () => {
    const coffee = (await readImage(path.join(FACES_DEV, 'hard_noface_coffee.jpg'))).image;
    const s = await score(coffee, blurImage(coffee, 1), faces);
    for (const id of [
      'identity',
      'face_survival',
      'skin_delta_e',
      'skin_delta_l',
      'person_skin_delta_e',
      'skin_breaks',
    ])
      expect(s[id], id).toBeUndefined();
    expect(s.ssim).toBeGreaterThan(0);
    const none = await score(portrait, portrait, undefined);
    expect(none.identity).toBeUndefined();
    expect(none.ssim).toBeCloseTo(1, 12);
  });

  it('every registered metric was computed by a test above', () => {
    expect([...exercised].sort()).toEqual(LAB_METRICS.map((m) => m.id).sort());
    for (const m of LAB_METRICS.filter((x) => x.needsFaces))
      expect([
        'identity',
        'face_survival',
        'skin_delta_e',
        'skin_delta_l',
        'person_skin_delta_e',
        'person_skin_delta_l',
        'person_skin_delta_h',
        'person_skin_chroma',
        'edge_halo',
        'skin_breaks',
      ]).toContain(m.id);
  });
});
