import { FilterlabError } from '../errors.js';
import type { Face } from '../faces/face.js';
import type { Image, Mask } from '../image/image.js';

/** What a step can produce and a later step can read, by name. */
export type Value =
  | { kind: 'image'; image: Image }
  | { kind: 'mask'; mask: Mask }
  | { kind: 'faces'; faces: Face[]; width: number; height: number };

export type ValueKind = Value['kind'];

/** The original photo, always present. */
export const SOURCE = 'source';
/** The main image flowing through the steps; the filter's result is its final value. */
export const IMAGE = 'image';

/** Where a step's result goes when the spec gives no `output`. */
export const DEFAULT_OUTPUT: Record<ValueKind, string> = {
  image: IMAGE,
  mask: 'mask',
  faces: 'faces',
};

/** The named values of one run. */
export class Values {
  private readonly map = new Map<string, Value>();

  set(name: string, value: Value): void {
    this.map.set(name, value);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  get(name: string): Value {
    const value = this.map.get(name);
    if (!value) {
      throw new FilterlabError(
        'FL_ERR_SPEC_INVALID',
        `Expected a value named "${name}" but none was produced; known: ${this.names().join(', ')}`,
      );
    }
    return value;
  }

  image(name: string): Image {
    const v = this.get(name);
    if (v.kind !== 'image') throw wrongKind(name, 'an image', v.kind);
    return v.image;
  }

  mask(name: string): Mask {
    const v = this.get(name);
    if (v.kind !== 'mask') throw wrongKind(name, 'a mask', v.kind);
    return v.mask;
  }

  faces(name: string): Face[] {
    const v = this.get(name);
    if (v.kind !== 'faces') throw wrongKind(name, 'faces', v.kind);
    return v.faces;
  }

  /** Faces named `name` if present, else undefined (steps that can detect for themselves). */
  maybeFaces(name: string): Face[] | undefined {
    const v = this.map.get(name);
    return v?.kind === 'faces' ? v.faces : undefined;
  }
}

function wrongKind(name: string, expected: string, received: string): FilterlabError {
  return new FilterlabError(
    'FL_ERR_SPEC_INVALID',
    `Expected "${name}" to be ${expected} but it is a ${received}`,
  );
}
