import { z } from 'zod';
import { describe, FilterlabError } from '../../errors.js';
import { parseWith } from '../../util/parse-with.js';

/**
 * Field builders for the zod schemas of `scheduler/scheduler_config.json`. Each scheduler file
 * builds its own schema from these with its own class's defaults (diffusers' defaults differ per
 * class: DDIM defaults to `leading` spacing, Euler to `linspace`, LCM to scaled_linear betas...).
 *
 * Absent keys and `null` take the class default, as diffusers' `from_config` does. Unknown keys
 * (`_class_name`, `skip_prk_steps`, another class's options) are ignored, as diffusers ignores
 * them. Options that change the numbers but that filterlab does not implement fail with a message
 * naming the key, instead of being silently ignored.
 */

export const BETA_SCHEDULES = ['linear', 'scaled_linear'] as const;
export const TIMESTEP_SPACINGS = ['leading', 'trailing', 'linspace'] as const;
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];
export const PREDICTION_TYPES = ['epsilon', 'v_prediction', 'sample'] as const;
export type PredictionType = (typeof PREDICTION_TYPES)[number];

/** The part of a config that defines the training noise schedule. */
export interface BetaConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: (typeof BETA_SCHEDULES)[number];
  trained_betas: number[] | null;
}

/** `schema`, where an absent or null value becomes `fallback`. */
export function withDefault<S extends z.ZodType>(schema: S, fallback: z.output<S>) {
  return schema.nullish().transform((value): z.output<S> => (value ?? fallback) as z.output<S>);
}

/** One of `values`, with the filterlab message shape on anything else. */
export function choice<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) => `Expected one of ${values.join(', ')} but received ${describe(issue.input)}`,
  });
}

/** A boolean option filterlab does not implement: false, null or absent only. */
export function unsupportedFlag(name: string, className: string) {
  return z
    .boolean()
    .nullish()
    .refine((value) => value !== true, {
      message: `${name}: true is not supported by filterlab's ${className}; set it to false or remove it`,
    })
    .transform(() => false as const);
}

const positiveInt = z.number().int().positive();
const betaValue = z.number().gt(0).lt(1);

/** The beta-schedule keys, with the class's defaults for absent ones. */
export function betaShape(
  defaults: Pick<BetaConfig, 'beta_start' | 'beta_end' | 'beta_schedule'>,
  className: string,
) {
  return {
    num_train_timesteps: withDefault(positiveInt, 1000),
    beta_start: withDefault(betaValue, defaults.beta_start),
    beta_end: withDefault(betaValue, defaults.beta_end),
    beta_schedule: withDefault(choice(BETA_SCHEDULES), defaults.beta_schedule),
    trained_betas: z
      .array(betaValue)
      .nullish()
      .transform((value) => value ?? null),
    rescale_betas_zero_snr: unsupportedFlag('rescale_betas_zero_snr', className),
  };
}

/** What the UNet predicts; 'epsilon' is the default of every diffusers class here. */
export function predictionTypeField() {
  return withDefault(choice(PREDICTION_TYPES), 'epsilon');
}

export function spacingField(fallback: TimestepSpacing) {
  return withDefault(choice(TIMESTEP_SPACINGS), fallback);
}

export function stepsOffsetField() {
  return withDefault(z.number().int().nonnegative(), 0);
}

/** trained_betas, when given, replaces the schedule and must have one beta per training step. */
export function checkTrainedBetas(config: BetaConfig, context: z.RefinementCtx): void {
  if (config.trained_betas && config.trained_betas.length !== config.num_train_timesteps) {
    context.addIssue({
      code: 'custom',
      path: ['trained_betas'],
      message: `Expected ${config.num_train_timesteps} values (num_train_timesteps) but received ${config.trained_betas.length}`,
    });
  }
}

/** Validate `raw` against a scheduler's schema; a bad config is a FL_ERR_CONFIG naming the key. */
export function parseSchedulerConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  className: string,
): z.output<S> {
  return parseWith(
    schema,
    raw ?? {},
    'FL_ERR_CONFIG',
    `Invalid scheduler config for ${className}`,
    {
      details: { scheduler: className },
    },
  );
}

const PYTHON_NUMBER = /^(-?Infinity|NaN)/;

/**
 * JSON.parse for a scheduler_config.json written by Python: `json.dump` writes float('-inf') (for
 * example DPMSolverMultistepScheduler's lambda_min_clipped) as a bare `-Infinity`, which is not
 * JSON. Such tokens outside strings become the numbers they name.
 */
export function parseSchedulerConfigText(text: string): unknown {
  const tokens = new Map<string, number>();
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const match = PYTHON_NUMBER.exec(text.slice(i, i + 9));
    if (match) {
      const word = match[1] as string;
      const key = `\u0000fl-number:${word}`;
      tokens.set(key, Number(word));
      out += JSON.stringify(key);
      i += word.length - 1;
      continue;
    }
    out += ch;
  }
  try {
    return JSON.parse(out, (_key, value: unknown) =>
      typeof value === 'string' && tokens.has(value) ? tokens.get(value) : value,
    );
  } catch (error) {
    throw new FilterlabError(
      'FL_ERR_CONFIG',
      `scheduler_config.json is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
