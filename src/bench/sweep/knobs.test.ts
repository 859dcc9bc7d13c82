import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../core/filters/load.js';
import { applyPoint, gridPoints, parseKnobs } from './knobs.js';

const spec = validateSpec({
  id: 'look',
  version: 1,
  params: { strength: { type: 'number', default: 1, min: 0, max: 1 } },
  steps: [
    { type: 'onnx.image', model: './m', strength: '$strength', tile: { size: 64, overlap: 8 } },
    { type: 'vignette', amount: 0.2 },
  ],
});

describe('sweep knobs', () => {
  it('classifies performance knobs, parameters and step options', () => {
    const knobs = parseKnobs(
      [
        'threads=1,2',
        'ep=cpu,cuda+cpu',
        'graph=basic,all',
        'tile=none,128:16',
        'size=512',
        'precision=fp32,int8',
        'strength=0.5,1',
        'amount=0,0.3',
      ],
      spec,
    );
    expect(knobs.map((k) => [k.name, k.kind])).toEqual([
      ['threads', 'runtime'],
      ['ep', 'runtime'],
      ['graph', 'runtime'],
      ['tile', 'runtime'],
      ['size', 'size'],
      ['precision', 'precision'],
      ['strength', 'param'],
      ['amount', 'option'],
    ]);
    expect(gridPoints(knobs)).toHaveLength(2 * 2 * 2 * 2 * 1 * 2 * 2 * 2);
  });

  it('applies a point to a copy of the spec', () => {
    const knobs = parseKnobs(
      [
        'threads=2',
        'ep=cuda+cpu',
        'graph=basic',
        'tile=128',
        'size=300',
        'precision=fp16',
        'strength=0.5',
        'amount=0.3',
      ],
      spec,
    );
    const [point] = gridPoints(knobs);
    const applied = applyPoint(spec, knobs, point!);
    expect(applied.spec.steps[0]).toEqual({
      type: 'onnx.image',
      model: './m',
      strength: '$strength',
      threads: 2,
      executionProviders: ['cuda', 'cpu'],
      graphOptimization: 'basic',
      tile: { size: 128, overlap: 8 },
      fit: 'tile',
    });
    expect(applied.spec.steps[1]).toEqual({ type: 'vignette', amount: 0.3 });
    expect(applied).toMatchObject({ params: { strength: '0.5' }, size: 300, precision: 'fp16' });
    expect(spec.steps[0]).not.toHaveProperty('threads'); // the original is untouched
    const none = applyPoint(spec, parseKnobs(['tile=none'], spec), { tile: 'none' });
    expect(none.spec.steps[0]).not.toHaveProperty('tile');
  });

  it('refuses unknown knobs, bad values, and ONNX knobs on a filter without an ONNX step', () => {
    expect(() => parseKnobs(['thread=1'], spec)).toThrow(
      /Expected a knob \(threads, ep, graph, tile, size, precision, strength\) or an option of one of look's steps \(onnx.image, vignette\)/,
    );
    expect(() => parseKnobs(['threads=0'], spec)).toThrow(/thread count/);
    expect(() => parseKnobs(['ep=tpu'], spec)).toThrow(
      /execution providers joined by \+ \(cpu, cuda/,
    );
    expect(() => parseKnobs(['precision=fp8'], spec)).toThrow(
      /fp32, fp16, fp16-weights, int8, int8-integer/,
    );
    expect(() => parseKnobs(['strength=2'], spec)).toThrow(/strength in \[0, 1\]/);
    expect(() => parseKnobs(['size=a'], spec)).toThrow(/long side/);
    expect(() => parseKnobs(['threads'], spec)).toThrow(/name=value1,value2/);
    expect(() => parseKnobs(['threads=1', 'threads=2'], spec)).toThrow(/twice/);
    const lut = validateSpec({ id: 'lut', version: 1, steps: [{ type: 'vignette' }] });
    expect(() => parseKnobs(['threads=1'], lut)).toThrow(
      /a step with a `threads` option \(onnx.image, diffusion\) for --sweep threads but its steps are vignette/,
    );
    expect(() => parseKnobs(['precision=fp16'], lut)).toThrow(
      /an onnx.image step for --sweep precision/,
    );
  });

  it('sets options a step type has even when the spec leaves them at their default', () => {
    const diffusion = validateSpec({
      id: 'turbo',
      version: 1,
      steps: [
        { type: 'diffusion.img2img', model: 'sd-turbo', prompt: 'a painting', strength: 0.5 },
        { type: 'vignette' },
      ],
    });
    const knobs = parseKnobs(['steps=1,2,4', 'threads=2', 'maxSide=384'], diffusion);
    expect(knobs.map((k) => k.kind)).toEqual(['option', 'runtime', 'option']);
    const applied = applyPoint(diffusion, knobs, { steps: '4', threads: '2', maxSide: '384' });
    expect(applied.spec.steps[0]).toMatchObject({ steps: 4, threads: 2, maxSide: 384 });
    expect(applied.spec.steps[1]).toEqual({ type: 'vignette' });
    expect(() => parseKnobs(['ep=cpu'], diffusion)).toThrow(/`executionProviders` option/);
  });
});
