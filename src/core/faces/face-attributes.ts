/**
 * Apparent age and gender ESTIMATES from a face crop. They are model guesses from appearance,
 * with the biases of the models' training sets, and exist only to auto-tag datasets for slice
 * analysis (a human should review the tags); never use them to make decisions about people.
 *
 * Models: HSE FaceRes (Savchenko, "Efficient facial representations for age, gender and
 * identity recognition in organizing photo albums using multi-output ConvNet", 2019), whose
 * age/gender heads come with the identity embedding, and GEAR-Predictor as an alternative.
 */
import type { Image } from '../image/image.js';
import type { TfjsModel, TfjsRuntime } from '../runtime/tfjs.js';
import type { AttributeEstimate, Face } from './face.js';
import { floatOutput, runOnAlignedFace, type AlignedCropSpec } from './model-io.js';

export interface AttributeSpec extends AlignedCropSpec {
  file: string;
  decode: (outputs: Record<string, Float32Array>) => { age: number; female: number };
  outputs: readonly string[];
}

/** GEAR age classes: <20, 21-25, 26-30, 31-40, 41-50, 51-60, >60, as class centres. */
const GEAR_AGES = [15, 23, 28, 35.5, 45.5, 55.5, 65];

export const ATTRIBUTE_SPECS = {
  faceres: {
    file: 'faceres.json',
    inputSize: 224,
    range: [0, 255],
    margin: 0.1,
    outputs: ['age_pred/Softmax', 'gender_pred/Sigmoid'],
    decode: (o) => ({
      age: expectation(o['age_pred/Softmax']!, (i) => i),
      female: 1 - o['gender_pred/Sigmoid']![0]!,
    }),
  },
  gear: {
    file: 'gear.json',
    inputSize: 198,
    range: [0, 1],
    margin: 0.1,
    outputs: ['Identity', 'Identity_1'],
    // Identity: 7 age classes; Identity_1: [male, female] probabilities.
    decode: (o) => ({
      age: expectation(o['Identity']!, (i) => GEAR_AGES[i]!),
      female: o['Identity_1']![1]!,
    }),
  },
} as const satisfies Record<string, AttributeSpec>;

export type AttributeModelName = keyof typeof ATTRIBUTE_SPECS;

export class FaceAttributes {
  private constructor(
    private readonly model: TfjsModel,
    readonly spec: AttributeSpec,
  ) {}

  static async load(
    runtime: TfjsRuntime,
    modelPath: string,
    spec: AttributeSpec,
  ): Promise<FaceAttributes> {
    return new FaceAttributes(await runtime.model(modelPath), spec);
  }

  async estimate(
    image: Image,
    face: Pick<Face, 'keypoints' | 'landmarks'>,
    signal?: AbortSignal,
  ): Promise<AttributeEstimate> {
    const { spec, model } = this;
    const out = await runOnAlignedFace(model, spec, image, face, spec.outputs, signal);
    const named: Record<string, Float32Array> = {};
    for (const name of spec.outputs) named[name] = floatOutput(out, name, model.path);
    const { age, female } = spec.decode(named);
    return {
      ageEstimate: age,
      femaleEstimate: female,
      genderEstimate: female >= 0.65 ? 'F' : female <= 0.35 ? 'M' : undefined,
    };
  }
}

function expectation(p: Float32Array, value: (i: number) => number): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    sum += p[i]! * value(i);
    total += p[i]!;
  }
  return total > 0 ? sum / total : Number.NaN;
}
