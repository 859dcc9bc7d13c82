import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createContext } from '../context.js';
import { FILTERLAB_VERSION } from '../version.js';
import { createImage, type Image } from '../image/image.js';
import { CORE_STEPS } from './builtin-steps.js';
import { StepRegistry } from '../steps/registry.js';
import { defineStep } from '../steps/step.js';
import { compile, type Progress } from './compile.js';
import { parseSpec, validateSpec } from './load.js';

const ctx = createContext();
const gradient = (w = 16, h = 12): Image => {
  const image = createImage(w, h);
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i % 97) / 97;
  return image;
};

const SPEC = `
id: warm-test
version: 2
params:
  strength: { type: number, default: 0.5, min: 0, max: 1 }
steps:
  - type: tone
    temperature: 0.5
    output: warm
  - type: blend
    input: source
    overlay: warm
    strength: $strength
  - type: grain
    amount: 0.02
`;

const compileError = async (spec: unknown) =>
  compile(validateSpec(spec), ctx).then(
    () => undefined,
    (e: unknown) => e as Error & { code: string },
  );

describe('compile: spec errors name the field', () => {
  it('a misspelt step type, with a suggestion', async () => {
    const e = await compileError({
      id: 'x',
      version: 1,
      steps: [{ type: 'tone' }, { type: 'unsharpp' }],
    });
    expect(e).toMatchObject({ code: 'FL_ERR_UNKNOWN_STEP' });
    expect(e?.message).toMatch(/^steps\[1\]\.type: .*did you mean "unsharp"/);
  });

  it('an unknown option key, as steps[i].key', async () => {
    const e = await compileError({
      id: 'x',
      version: 1,
      steps: [{ type: 'vignette', amout: 0.3 }],
    });
    expect(e).toMatchObject({ code: 'FL_ERR_SPEC_INVALID' });
    expect(e?.message).toContain('steps[0].amout: unknown key "amout"');
  });

  it('an out-of-range option', async () => {
    const e = await compileError({ id: 'x', version: 1, steps: [{ type: 'vignette', amount: 3 }] });
    expect(e).toMatchObject({ code: 'FL_ERR_SPEC_INVALID' });
    expect(e?.message).toMatch(/steps\[0\]\.amount: Too big: expected number to be <=1/);
  });

  it('a $param that the filter does not declare', async () => {
    const e = await compileError({
      id: 'x',
      version: 1,
      params: { amount: { type: 'number', default: 0.1 } },
      steps: [{ type: 'grain', amount: '$amont' }],
    });
    expect(e).toMatchObject({ code: 'FL_ERR_SPEC_INVALID' });
    expect(e?.message).toBe(
      'steps[0].amount: refers to parameter "$amont" but the filter declares amount',
    );
  });

  it('a parameter whose range reaches outside what its option accepts', async () => {
    const e = await compileError({
      id: 'x',
      version: 1,
      params: { amount: { type: 'number', default: 0.1, min: 0, max: 2 } },
      steps: [{ type: 'vignette', amount: '$amount' }],
    });
    expect(e?.message).toMatch(/^params\.amount: allows 2 but vignette step: steps\[0\]\.amount/);
  });

  it('a value that no earlier step produces, or of the wrong kind', async () => {
    const missing = await compileError({
      id: 'x',
      version: 1,
      steps: [{ type: 'blend', overlay: 'glow' }],
    });
    expect(missing?.message).toBe(
      'steps[0]: refers to "glow" but no earlier step produces it; known image values: source, image',
    );
    const later = await compileError({
      id: 'x',
      version: 1,
      steps: [
        { type: 'tone', input: 'glow' },
        { type: 'blur', sigma: 2, output: 'glow' },
      ],
    });
    expect(later?.message).toContain('steps[0].input: refers to "glow"');
    const kind = await compileError({
      id: 'x',
      version: 1,
      steps: [
        { type: 'tone', output: 'm' },
        { type: 'blend', overlay: 'source', mask: 'm' },
      ],
    });
    expect(kind?.message).toContain(
      'expected "m" to be a mask value but an earlier step made it image',
    );
  });

  it('overwriting the source photo', async () => {
    const e = await compileError({
      id: 'x',
      version: 1,
      steps: [{ type: 'tone', output: 'source' }],
    });
    expect(e?.message).toBe('steps[0].output: cannot overwrite "source", the original photo');
  });
});

describe('compile: running', () => {
  it('runs the steps in order with named values and records what reproduces the output', async () => {
    const runner = await compile(parseSpec(SPEC), ctx);
    const image = gradient();
    const result = await runner.run(image, {
      params: { strength: '0.25' },
      seed: 9,
      sourceHash: 'abc',
    });
    expect(result.meta).toEqual({
      filter: 'warm-test',
      filterVersion: '2',
      versionId: runner.versionId,
      params: { strength: 0.25 },
      seed: 9,
      sourceHash: 'abc',
      filterlab: FILTERLAB_VERSION,
    });
    expect(result.values.names()).toEqual(['source', 'image', 'warm']);
    expect(result.values.image('source')).toBe(image);
    expect(result.timings.map((t) => t.type)).toEqual(['tone', 'blend', 'grain']);
    expect([result.image.width, result.image.height]).toEqual([16, 12]);
  });

  it('applies parameters at run time', async () => {
    const runner = await compile(parseSpec(SPEC), ctx);
    const image = gradient();
    const none = await runner.run(image, { params: { strength: 0 } });
    const full = await runner.run(image, { params: { strength: 1 } });
    const diff = (a: Image) =>
      a.data.reduce((s, v, i) => s + Math.abs(v - image.data[i]!), 0) / a.data.length;
    expect(diff(full.image)).toBeGreaterThan(diff(none.image) + 0.01);
  });

  it('refuses bad parameters and seeds at run time', async () => {
    const runner = await compile(parseSpec(SPEC), ctx);
    await expect(runner.run(gradient(), { params: { strength: 2 } })).rejects.toMatchObject({
      code: 'FL_ERR_PARAM_INVALID',
      message: 'Expected strength in [0, 1] but received 2',
    });
    await expect(runner.run(gradient(), { params: { strenght: 1 } })).rejects.toMatchObject({
      code: 'FL_ERR_PARAM_INVALID',
      message: expect.stringContaining('did you mean "strength"'),
    });
    await expect(runner.run(gradient(), { seed: -1 })).rejects.toMatchObject({
      code: 'FL_ERR_PARAM_INVALID',
    });
    await expect(runner.run(gradient(), { seed: 1.5 })).rejects.toMatchObject({
      code: 'FL_ERR_PARAM_INVALID',
    });
  });

  it('reports progress from 0 to 1 and stops on abort', async () => {
    const runner = await compile(parseSpec(SPEC), ctx);
    const seen: Progress[] = [];
    await runner.run(gradient(), { onProgress: (p) => seen.push(p) });
    const fractions = seen.map((p) => p.fraction);
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(1);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    const controller = new AbortController();
    controller.abort();
    await expect(runner.run(gradient(), { signal: controller.signal })).rejects.toMatchObject({
      code: 'FL_ERR_ABORTED',
    });
  });

  it('is safe to run concurrently', async () => {
    const runner = await compile(parseSpec(SPEC), ctx);
    const image = gradient(64, 48);
    const one = await runner.run(image, { seed: 3 });
    const many = await Promise.all(Array.from({ length: 4 }, () => runner.run(image, { seed: 3 })));
    for (const r of many) expect(r.image.data).toEqual(one.image.data);
  });

  it('wraps an unexpected fault of a step as FL_ERR_INTERNAL', async () => {
    const broken = defineStep({
      type: 'broken',
      summary: 'throws',
      options: z.strictObject({}),
      produces: 'image',
      prepare: () => ({
        run: () => {
          throw new TypeError('boom');
        },
      }),
    });
    const steps = new StepRegistry([...CORE_STEPS, broken]);
    const runner = await compile(
      validateSpec({ id: 'x', version: 1, steps: [{ type: 'broken' }] }),
      ctx,
      { steps },
    );
    await expect(runner.run(gradient())).rejects.toMatchObject({
      code: 'FL_ERR_INTERNAL',
      message: 'boom',
    });
  });
});

describe('versionId', () => {
  const id = async (text: string) => (await compile(parseSpec(text), ctx)).versionId;

  it('is a 16-hex content hash that ignores YAML layout, comments and key order', async () => {
    const base = await id(SPEC);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    const reformatted = `# a comment\nversion: 2\nid: warm-test\nparams: {strength: {max: 1, min: 0, default: 0.5, type: number}}\nsteps:\n- {type: tone, output: warm, temperature: 0.5}\n- {type: blend, input: source, overlay: warm, strength: $strength}\n-   type: grain\n    amount: 0.02\n`;
    expect(await id(reformatted)).toBe(base);
    const json = JSON.stringify(parseSpec(SPEC));
    expect(await id(json)).toBe(base);
  });

  it('changes when an option, a default or the version changes', async () => {
    const base = await id(SPEC);
    expect(await id(SPEC.replace('amount: 0.02', 'amount: 0.03'))).not.toBe(base);
    expect(await id(SPEC.replace('default: 0.5', 'default: 0.6'))).not.toBe(base);
    expect(await id(SPEC.replace('version: 2', 'version: 3'))).not.toBe(base);
  });

  it('stays when only the serve timeout changes: it does not change a pixel', async () => {
    expect(await id(`${SPEC}\ntimeoutMs: 300000\n`)).toBe(await id(SPEC));
  });
});
