/**
 * A small builder for ONNX graphs written from code: tiny test models with the same I/O
 * contract as the real ones, and graph surgery in tools. It records what it is given and
 * checks names when `toBytes()` assembles the ModelProto.
 */
import { invalidArgument } from '../errors.js';
import type { TensorType } from '../tensor/tensor.js';
import {
  AttributeType,
  encodeModel,
  IR_VERSION,
  ONNX_DATA_TYPE,
  tensorToProto,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';

/** A dimension: a number for a fixed size, a name for a symbolic (dynamic) one. */
export type Dim = number | string;

/** Initializer data; the array type decides the ONNX type (Uint16Array holds float16 bits). */
export type InitializerData =
  Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/**
 * An attribute value. Plain numbers are ints when integral and floats otherwise, so a float
 * attribute with an integral value (alpha = 1) needs `attr.float(1)`; arrays likewise.
 */
export type AttributeValue = number | bigint | string | readonly number[] | TaggedAttribute;

export type TaggedAttribute =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly number[] };

export const attr = {
  float: (value: number): TaggedAttribute => ({ kind: 'float', value }),
  int: (value: number): TaggedAttribute => ({ kind: 'int', value }),
  floats: (value: readonly number[]): TaggedAttribute => ({ kind: 'floats', value }),
  ints: (value: readonly number[]): TaggedAttribute => ({ kind: 'ints', value }),
};

export interface GraphBuilderOptions {
  /** Default-domain opset; default 17 (onnxruntime 1.30 supports up to 23). */
  opset?: number;
  producerName?: string;
  docString?: string;
}

export class GraphBuilder {
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly nodes: NodeProto[] = [];
  private readonly opset: number;

  constructor(
    readonly name: string,
    private readonly options: GraphBuilderOptions = {},
  ) {
    this.opset = options.opset ?? 17;
    if (!Number.isInteger(this.opset) || this.opset < 1)
      throw invalidArgument('a positive integer', 'opset', this.opset);
  }

  input(name: string, type: TensorType, shape: readonly Dim[]): this {
    this.inputs.push(valueInfo(name, type, shape));
    return this;
  }

  output(name: string, type: TensorType, shape: readonly Dim[]): this {
    this.outputs.push(valueInfo(name, type, shape));
    return this;
  }

  initializer(name: string, data: InitializerData, dims: readonly number[]): this {
    this.initializers.push(tensorToProto(name, { type: typeOf(data), data, dims }));
    return this;
  }

  /** Add a node; an empty string in `inputs` skips an optional input. Returns the node's name. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>> = {},
  ): string {
    const name = `${opType.toLowerCase()}_${this.nodes.length}`;
    this.nodes.push({
      name,
      opType,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return name;
  }

  toModel(): ModelProto {
    this.checkNames();
    return {
      irVersion: IR_VERSION,
      producerName: this.options.producerName ?? 'filterlab',
      opsetImport: [{ domain: '', version: this.opset }],
      ...(this.options.docString ? { docString: this.options.docString } : {}),
      graph: {
        name: this.name,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    };
  }

  toBytes(): Uint8Array {
    return encodeModel(this.toModel());
  }

  /** Catch dangling names here, where the message can say which node, not in ORT's loader. */
  private checkNames(): void {
    const known = new Set([...this.inputs, ...this.initializers].map((v) => v.name ?? ''));
    for (const node of this.nodes) {
      for (const input of node.input ?? []) {
        if (input !== '' && !known.has(input)) {
          throw invalidArgument(
            'an input, initializer or earlier node output',
            `input of node ${node.name}`,
            input,
          );
        }
      }
      for (const output of node.output ?? []) known.add(output);
    }
    for (const output of this.outputs) {
      if (!known.has(output.name ?? '')) {
        throw invalidArgument('a node output', `graph output of ${this.name}`, output.name);
      }
    }
  }
}

function valueInfo(name: string, type: TensorType, shape: readonly Dim[]): ValueInfoProto {
  const dim = shape.map((d) => {
    if (typeof d === 'string') return { dimParam: d };
    if (!Number.isInteger(d) || d < 0)
      throw invalidArgument('a non-negative integer or a name', `a dim of ${name}`, d);
    return { dimValue: d };
  });
  return { name, type: { tensorType: { elemType: ONNX_DATA_TYPE[type], shape: { dim } } } };
}

function typeOf(data: InitializerData): TensorType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Uint16Array) return 'float16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

function attribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'string') {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (typeof value === 'bigint') return attribute(name, attr.int(Number(value)));
  if (typeof value === 'number')
    return attribute(name, Number.isInteger(value) ? attr.int(value) : attr.float(value));
  if (isNumberArray(value)) {
    return attribute(name, value.every(Number.isInteger) ? attr.ints(value) : attr.floats(value));
  }
  switch (value.kind) {
    case 'float':
      return { name, type: AttributeType.FLOAT, f: value.value };
    case 'int':
      return { name, type: AttributeType.INT, i: checkedInt(name, value.value) };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...value.value] };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: value.value.map((v) => checkedInt(name, v)) };
  }
}

function isNumberArray(value: AttributeValue): value is readonly number[] {
  return Array.isArray(value);
}

function checkedInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw invalidArgument('an integer', `attribute ${name}`, value);
  return value;
}
