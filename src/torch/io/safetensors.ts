// safetensors files (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}, __metadata__: {string: string}}, then raw little-endian data.
// Writes go to a temporary file renamed at the end, so a crash never leaves a half-written file.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { V2meowError } from '../../errors.js';
import { type DType, dtypeCodes } from '../dtype.js';
import { native } from '../native.js';
import { type Tensor, wrap } from '../tensor.js';

const toSafe: Partial<Record<DType, string>> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
  int8: 'I8',
};
const fromSafe = new Map(Object.entries(toSafe).map(([d, s]) => [s, d as DType]));

export interface SafetensorsContent {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Writes tensors (any device; copied to CPU) and string metadata to `path` atomically. */
export function saveSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Record<string, string> = {},
) {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const dtype = toSafe[t.dtype];
    if (!dtype)
      throw new V2meowError('BAD_ARGUMENT', `safetensors cannot store dtype ${t.dtype} (${name})`, path);
    const bytes = new Uint8Array(native.toBuffer(t.handle));
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep data 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, length);
    writeSync(fd, headerBytes);
    for (const c of chunks) writeSync(fd, c);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Reads the header only: names, dtypes, shapes and metadata, for checks before loading. */
export function readSafetensorsHeader(path: string, bytes: Buffer = readFileSync(path)) {
  if (bytes.length < 8) throw new V2meowError('BAD_FORMAT', 'not a safetensors file (too short)', path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > bytes.length - 8 || headerLength > 100 * 1024 * 1024) {
    throw new V2meowError('BAD_FORMAT', 'not a safetensors file (bad header length)', path);
  }
  let header: Record<string, Entry | Record<string, string>>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    throw new V2meowError('BAD_FORMAT', 'not a safetensors file (header is not JSON)', path);
  }
  const metadata = (header.__metadata__ as Record<string, string>) ?? {};
  delete header.__metadata__;
  return { entries: header as Record<string, Entry>, metadata, dataStart: 8 + headerLength };
}

export function loadSafetensors(path: string): SafetensorsContent {
  const bytes = readFileSync(path);
  const { entries, metadata, dataStart } = readSafetensorsHeader(path, bytes);
  const tensors = new Map<string, Tensor>();
  for (const [name, e] of Object.entries(entries)) {
    const dtype = fromSafe.get(e.dtype);
    if (!dtype) throw new V2meowError('BAD_FORMAT', `unsupported dtype ${e.dtype} for ${name}`, path);
    const [begin, end] = e.data_offsets;
    if (dataStart + end > bytes.length || begin > end) {
      throw new V2meowError('BAD_FORMAT', `tensor ${name} lies outside the file (truncated?)`, path);
    }
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    tensors.set(name, wrap(native.fromBuffer(view, e.shape, dtypeCodes[dtype])));
  }
  return { tensors, metadata };
}
