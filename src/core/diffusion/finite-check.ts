import { FilterlabError } from '../errors.js';
import type { FloatType } from './parts.js';

/**
 * A NaN or an infinity from a model part would otherwise reach the pixels as black (the VAE
 * image clamp maps NaN to 0) without an error. The usual cause is a float16 export overflowing
 * (the SD VAE decoder's activations exceed 65504 in float16), so the message says what to use.
 */
export function assertFinite(
  values: Float32Array,
  component: string,
  floatType: FloatType,
  where = '',
): void {
  let bad = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! - values[i]! !== 0) bad++;
  if (bad === 0) return;
  const hint =
    floatType === 'float16'
      ? `${component} is a float16 export, whose activations overflow float16's range: use a float32 export of it ` +
        '(optimum-cli export onnx without --dtype fp16; on a CPU float16 saves disk, not memory or time)'
      : `check the model files (filterlab models verify <id>) and re-export ${component} in float32`;
  throw new FilterlabError(
    'FL_ERR_INFERENCE',
    `Expected finite values from ${component}${where} but ${bad} of ${values.length} are NaN or infinite: ${hint}`,
    { details: { component, nonFinite: bad, values: values.length, floatType } },
  );
}
