// A pure-JavaScript safetensors file of typed arrays (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__}, then the raw
// little-endian data. Used for dataset examples, which are written by worker processes and read by the
// window reader with positioned reads (a window of a long example is read, never the whole file), so
// neither side needs the libtorch engine (src/torch/io/safetensors.ts is the engine's own reader/writer).
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { V2meowError } from '../errors.js';
import { fromFloat16, toFloat16 } from '../util/float16.js';

/** Storage types of dataset tensors. */
export type StoredDType = 'I16' | 'I32' | 'F16' | 'F32' | 'U8';

const bytesPer: Record<StoredDType, number> = { I16: 2, I32: 4, F16: 2, F32: 4, U8: 1 };

/** A tensor to write: values are converted to the stored type (F16 from floats, I16 checked for range). */
export interface TensorToWrite {
  readonly dtype: StoredDType;
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/** A tensor's place in a file. */
export interface StoredTensor {
  readonly dtype: StoredDType;
  readonly shape: readonly number[];
  /** Absolute byte offset of the first element in the file. */
  readonly offset: number;
  readonly byteLength: number;
}

const elementsOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Little-endian bytes of `values` stored as `dtype`. */
function encodeValues(name: string, tensor: TensorToWrite): Uint8Array {
  const { dtype, values } = tensor;
  if (values.length !== elementsOf(tensor.shape))
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `tensor ${name}: ${values.length} values for shape [${tensor.shape}]`,
    );
  let typed: ArrayBufferView;
  if (dtype === 'F16') typed = toFloat16(values);
  else if (dtype === 'F32') typed = Float32Array.from(values);
  else if (dtype === 'I32') typed = Int32Array.from(values);
  else if (dtype === 'U8') typed = Uint8Array.from(values);
  else {
    const out = new Int16Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < -32768 || v > 32767)
        throw new V2meowError('BAD_ARGUMENT', `tensor ${name}: value ${v} does not fit int16`);
      out[i] = v;
    }
    typed = out;
  }
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** The bytes of a safetensors file (tensors sorted by name, data 8-byte aligned): deterministic. */
export function encodeTensorFile(
  tensors: Readonly<Record<string, TensorToWrite>>,
  metadata: Readonly<Record<string, string>>,
): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const tensor = tensors[name]!;
    const bytes = encodeValues(name, tensor);
    header[name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  return Buffer.concat([length, headerBytes, ...chunks]);
}

/** Writes `bytes` to `path` through a temporary sibling, fsynced and renamed: never half-written. */
export function writeBytesDurably(path: string, bytes: Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** An open tensor file: its header, and positioned reads of whole tensors or row ranges. */
export class TensorFile {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
    readonly tensors: ReadonlyMap<string, StoredTensor>,
    readonly metadata: Readonly<Record<string, string>>,
    readonly sizeBytes: number,
  ) {}

  /** Opens `path` and reads its header; BAD_FORMAT naming the file when it is not a whole safetensors file. */
  static open(path: string): TensorFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new V2meowError('FILE_NOT_FOUND', 'cannot open example file', path, { cause: error });
    }
    try {
      const { size } = fstatSync(fd);
      const lengthBytes = Buffer.alloc(8);
      if (size < 8 || readSync(fd, lengthBytes, 0, 8, 0) !== 8)
        throw new V2meowError('BAD_FORMAT', 'not a safetensors file (too short)', path);
      const headerLength = Number(lengthBytes.readBigUInt64LE(0));
      if (headerLength > size - 8 || headerLength > 16 * 1024 * 1024)
        throw new V2meowError('BAD_FORMAT', 'not a safetensors file (bad header length)', path);
      const headerBytes = Buffer.alloc(headerLength);
      readSync(fd, headerBytes, 0, headerLength, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBytes.toString('utf8'));
      } catch {
        throw new V2meowError('BAD_FORMAT', 'not a safetensors file (header is not JSON)', path);
      }
      const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
      const tensors = new Map<string, StoredTensor>();
      const dataStart = 8 + headerLength;
      for (const [name, raw] of Object.entries(header)) {
        if (name === '__metadata__') continue;
        const entry = raw as { dtype: StoredDType; shape: number[]; data_offsets: [number, number] };
        const width = bytesPer[entry.dtype];
        const [begin, end] = entry.data_offsets ?? [];
        if (!width || !Array.isArray(entry.shape) || begin === undefined || end === undefined)
          throw new V2meowError('BAD_FORMAT', `tensor ${name} has an unsupported entry`, path);
        if (end - begin !== elementsOf(entry.shape) * width || dataStart + end > size)
          throw new V2meowError('BAD_FORMAT', `tensor ${name} lies outside the file (truncated?)`, path);
        tensors.set(name, {
          dtype: entry.dtype,
          shape: entry.shape,
          offset: dataStart + begin,
          byteLength: end - begin,
        });
      }
      return new TensorFile(path, fd, tensors, metadata, size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Whether the file holds tensor `name`. */
  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The stored entry of `name`; BAD_FORMAT when absent. */
  entry(name: string): StoredTensor {
    const entry = this.tensors.get(name);
    if (!entry) throw new V2meowError('BAD_FORMAT', `example lacks tensor '${name}'`, this.path);
    return entry;
  }

  /**
   * Rows [firstRow, firstRow + numRows) of tensor `name` (rows along the first axis; a 1-d tensor has rows of
   * one value), as numbers: Float32Array for F16/F32, Int32Array for integer types. Rows must lie inside.
   */
  readRows(name: string, firstRow: number, numRows: number): Float32Array | Int32Array {
    const rowElements = elementsOf(this.entry(name).shape.slice(1));
    return this.readElements(name, firstRow * rowElements, numRows * rowElements);
  }

  /** Elements [first, first + count) of tensor `name` in row-major order. */
  readElements(name: string, first: number, count: number): Float32Array | Int32Array {
    const entry = this.entry(name);
    const width = bytesPer[entry.dtype];
    if (first < 0 || count < 0 || (first + count) * width > entry.byteLength)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `elements ${first}..${first + count} of ${name} [${entry.shape}]`,
        this.path,
      );
    if (this.fd === undefined) throw new V2meowError('BAD_ARGUMENT', 'example file is closed', this.path);
    const bytes = Buffer.alloc(count * width);
    if (readSync(this.fd, bytes, 0, bytes.length, entry.offset + first * width) !== bytes.length)
      throw new V2meowError('BAD_FORMAT', `tensor ${name} is cut short`, this.path);
    return decodeValues(entry.dtype, bytes, count);
  }

  /** The whole tensor `name`. */
  read(name: string): Float32Array | Int32Array {
    return this.readElements(name, 0, elementsOf(this.entry(name).shape));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function decodeValues(dtype: StoredDType, bytes: Buffer, count: number): Float32Array | Int32Array {
  const aligned = new Uint8Array(bytes).buffer; // a fresh, aligned copy
  if (dtype === 'F32') return new Float32Array(aligned, 0, count);
  if (dtype === 'F16') return fromFloat16(new Uint16Array(aligned, 0, count));
  if (dtype === 'I32') return new Int32Array(aligned, 0, count);
  if (dtype === 'I16') return Int32Array.from(new Int16Array(aligned, 0, count));
  return Int32Array.from(new Uint8Array(aligned, 0, count));
}
