import { open, type FileHandle } from 'node:fs/promises';
import { FilterlabError } from '../errors.js';

/**
 * The operators an ONNX file uses, read without loading it: a walk over the protobuf wire format
 * that reads each graph node's few bytes and skips everything else (initializers, which hold the
 * weights, are stepped over by their length). A 1.7 GB single-file UNet is scanned by reading its
 * nodes only, so a folder check can name a bad operator in well under a second instead of after
 * ONNX Runtime has spent a minute loading the file.
 *
 * Field numbers are onnx.proto3's: ModelProto.graph = 7, GraphProto.node = 1,
 * NodeProto.name = 3, op_type = 4, domain = 7.
 */

export interface NodeOp {
  name: string;
  opType: string;
  /** '' (or 'ai.onnx') for standard operators; 'com.microsoft' for ONNX Runtime's contrib ops. */
  domain: string;
}

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_DOMAIN = 7;
const CHUNK = 1 << 16;

/** Every node of the model's main graph, in file order. */
export async function scanNodeOps(file: string): Promise<NodeOp[]> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw new FilterlabError('FL_ERR_IO', `Could not read ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    const reader = new ChunkReader(handle, (await handle.stat()).size);
    const graph = await findField(reader, 0, reader.size, MODEL_GRAPH);
    if (!graph) return [];
    const nodes: NodeOp[] = [];
    await eachField(reader, graph.start, graph.end, async (field, start, end) => {
      if (field === GRAPH_NODE) nodes.push(decodeNode(await reader.bytes(start, end - start)));
    });
    return nodes;
  } catch (cause) {
    if (cause instanceof FilterlabError) throw cause;
    throw notOnnx(file, cause);
  } finally {
    await handle.close();
  }
}

function notOnnx(file: string, cause: unknown): FilterlabError {
  return new FilterlabError(
    'FL_ERR_MODEL_LOAD',
    `Expected an ONNX model in ${file} but its bytes are not one: ${(cause as Error).message}`,
    { cause, details: { file } },
  );
}

/** Positional reads through a small cache, so walking field headers is not a syscall each. */
class ChunkReader {
  private chunkStart = 0;
  private chunk = new Uint8Array(0);

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async bytes(position: number, length: number): Promise<Uint8Array> {
    if (position < 0 || position + length > this.size) throw new Error('truncated field');
    const offset = position - this.chunkStart;
    if (offset >= 0 && offset + length <= this.chunk.length) {
      return this.chunk.subarray(offset, offset + length);
    }
    const size = Math.min(Math.max(length, CHUNK), this.size - position);
    const buffer = new Uint8Array(size);
    await this.handle.read(buffer, 0, size, position);
    this.chunkStart = position;
    this.chunk = buffer;
    return buffer.subarray(0, length);
  }
}

/** A varint at `position`: its value (below 2^53) and the position after it. */
async function varint(reader: ChunkReader, position: number): Promise<[number, number]> {
  const bytes = await reader.bytes(position, Math.min(10, reader.size - position));
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value += (bytes[i]! & 0x7f) * 2 ** (7 * i);
    if (bytes[i]! < 0x80) return [value, position + i + 1];
  }
  throw new Error('bad varint');
}

type FieldVisitor = (field: number, start: number, end: number) => Promise<void>;

/** Calls `visit` for every length-delimited field in [start, end); skips the others. */
async function eachField(
  reader: ChunkReader,
  start: number,
  end: number,
  visit: FieldVisitor,
): Promise<void> {
  let position = start;
  while (position < end) {
    const [key, afterKey] = await varint(reader, position);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) position = (await varint(reader, afterKey))[1];
    else if (wire === 1) position = afterKey + 8;
    else if (wire === 5) position = afterKey + 4;
    else if (wire === 2) {
      const [length, dataStart] = await varint(reader, afterKey);
      position = dataStart + length;
      if (position > end) throw new Error(`field ${field} runs past its message`);
      await visit(field, dataStart, position);
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

async function findField(
  reader: ChunkReader,
  start: number,
  end: number,
  wanted: number,
): Promise<{ start: number; end: number } | undefined> {
  let found: { start: number; end: number } | undefined;
  await eachField(reader, start, end, async (field, s, e) => {
    if (field === wanted) found = { start: s, end: e };
  });
  return found;
}

const utf8 = new TextDecoder();

/** name, op_type and domain of a NodeProto; inputs, outputs and attributes are skipped. */
function decodeNode(bytes: Uint8Array): NodeOp {
  const node: NodeOp = { name: '', opType: '', domain: '' };
  let p = 0;
  const next = () => {
    let value = 0;
    for (let i = 0; ; i++) {
      const b = bytes[p++];
      if (b === undefined) throw new Error('truncated node');
      value += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return value;
    }
  };
  while (p < bytes.length) {
    const key = next();
    const wire = key % 8;
    if (wire === 0) next();
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const length = next();
      const field = Math.floor(key / 8);
      const text = () => utf8.decode(bytes.subarray(p, p + length));
      if (field === NODE_NAME) node.name = text();
      else if (field === NODE_OP_TYPE) node.opType = text();
      else if (field === NODE_DOMAIN) node.domain = text();
      p += length;
    } else throw new Error(`unsupported wire type ${wire} in a node`);
  }
  return node;
}
