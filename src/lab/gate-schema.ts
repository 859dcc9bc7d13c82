import { z } from 'zod';

const Threshold = { min: z.number().optional(), max: z.number().optional() };

/**
 * A gate on a metric: overall (`stat` of all images), per slice (every value of the `per`
 * column must pass), or on the gap between the best and worst slice of a column.
 */
export const GateSchema = z
  .strictObject({
    metric: z.string(),
    stat: z.enum(['mean', 'median', 'p05', 'p95', 'min', 'max', 'rate']).default('mean'),
    per: z.string().optional(),
    gap: z.string().optional(),
    /** Compare against the baseline: threshold on candidate - baseline (paired mean). */
    vsBaseline: z.boolean().default(false),
    ...Threshold,
    /** Slices smaller than this are reported but not gated (too few photos to judge). */
    minCount: z.number().int().positive().default(3),
    description: z.string().optional(),
  })
  .refine((g) => g.min !== undefined || g.max !== undefined, { message: 'a gate needs min or max' })
  .refine((g) => !(g.per && g.gap), { message: 'use either per or gap, not both' });
export type Gate = z.infer<typeof GateSchema>;
