import { z } from 'zod';
import { OUTPUT_FORMATS } from '../image/formats.js';

const label = { label: z.string().optional(), description: z.string().optional() };

/** A typed, user-tunable parameter of a filter, with its default and range. */
export const ParamSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('number'),
    default: z.number(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** UI slider step. */
    step: z.number().positive().optional(),
    ...label,
  }),
  z.strictObject({
    type: z.literal('integer'),
    default: z.number().int(),
    min: z.number().int().optional(),
    max: z.number().int().optional(),
    ...label,
  }),
  z.strictObject({ type: z.literal('boolean'), default: z.boolean(), ...label }),
  z.strictObject({
    type: z.literal('enum'),
    values: z.array(z.string()).min(1),
    default: z.string(),
    ...label,
  }),
  z.strictObject({
    type: z.literal('color'),
    default: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb colour'),
    ...label,
  }),
  z.strictObject({
    type: z.literal('string'),
    default: z.string(),
    maxLength: z.number().int().positive().optional(),
    ...label,
  }),
]);
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

/**
 * One step: `type` picks the operation; `input` names the image it transforms (default the
 * current image); `output` names where its result goes (default: `image` for images, `mask`
 * for masks, `faces` for faces). Every other key is an option of the step. An option value
 * "$name" is replaced by the parameter `name` at run time.
 */
export const StepSpecSchema = z
  .looseObject({
    type: z.string().min(1),
    input: z.string().min(1).optional(),
    output: z.string().min(1).optional(),
  })
  .describe('A step: `type`, optional `input`/`output` value names, and the step options');
export type StepSpec = z.infer<typeof StepSpecSchema>;

export const FilterIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    'must be lowercase letters, digits and "-", starting with a letter or digit',
  );

export const FilterSpecSchema = z
  .strictObject({
    id: FilterIdSchema,
    /** Author-facing version; the version id used for reproducibility is a content hash. */
    version: z.union([z.string().min(1), z.number()]).transform(String),
    name: z.string().optional(),
    description: z.string().optional(),
    tags: z.array(z.string()).default([]),
    /** Capabilities the filter needs from a photo, beyond what its steps declare. */
    requires: z.array(z.enum(['face'])).default([]),
    params: z
      .record(
        z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'parameter names are identifiers'),
        ParamSpecSchema,
      )
      .default({}),
    steps: z.array(StepSpecSchema).min(1, 'a filter needs at least one step'),
    /**
     * `filterlab serve`: how long one job of this filter may run, in ms, counted from when its
     * models are loaded (default: the server's job timeout). Not part of the version id.
     */
    timeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .optional()
      .describe(
        'filterlab serve: the most one job of this filter may run, in ms, once its models are loaded (default: the server job timeout)',
      ),
    output: z
      .strictObject({
        format: z.enum(OUTPUT_FORMATS as ['jpeg', 'png', 'webp', 'avif']).default('jpeg'),
        quality: z.number().int().min(1).max(100).optional(),
      })
      .default({ format: 'jpeg' }),
  })
  .superRefine((spec, ctx) => {
    for (const [name, param] of Object.entries(spec.params)) {
      const problem = paramProblem(param);
      if (problem) ctx.addIssue({ code: 'custom', path: ['params', name], message: problem });
    }
  })
  .describe('A filterlab filter spec');

export type FilterSpec = z.infer<typeof FilterSpecSchema>;

/** A parameter whose own default breaks its range would fail every run that keeps the default. */
function paramProblem(p: ParamSpec): string | undefined {
  if (p.type === 'enum' && !p.values.includes(p.default))
    return `Expected default to be one of ${p.values.join(', ')} but received ${JSON.stringify(p.default)}`;
  if (p.type !== 'number' && p.type !== 'integer') return undefined;
  if (p.min !== undefined && p.max !== undefined && p.min > p.max)
    return `Expected min <= max but received min ${p.min} and max ${p.max}`;
  if ((p.min !== undefined && p.default < p.min) || (p.max !== undefined && p.default > p.max))
    return `Expected default in [${p.min ?? '-inf'}, ${p.max ?? 'inf'}] but received ${p.default}`;
  return undefined;
}
export type FilterSpecInput = z.input<typeof FilterSpecSchema>;

/** JSON Schema for editors (YAML language server, VS Code), generated from the zod schema. */
export function filterSpecJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FilterSpecSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://filterlab.dev/schema/filter.json',
    title: 'filterlab filter spec',
  };
}
