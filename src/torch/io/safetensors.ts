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
/** Bytes per element of each safetensors dtype. */
const safeBytes: Record<string, number> = {
  F32: 4,
  F64: 8,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  U8: 1,
  BOOL: 1,
  I8: 1,
};

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
    if (typeof e !== 'object' || e === null)
      throw new V2meowError('BAD_FORMAT', `tensor ${name}: header entry is not an object`, path);
    const dtype = fromSafe.get(e.dtype);
    if (!dtype) throw new V2meowError('BAD_FORMAT', `unsupported dtype ${e.dtype} for ${name}`, path);
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    )
      throw new V2meowError('BAD_FORMAT', `tensor ${name}: bad data_offsets`, path);
    const [begin, end] = offsets;
    if (dataStart + end > bytes.length || begin > end) {
      throw new V2meowError('BAD_FORMAT', `tensor ${name} lies outside the file (truncated?)`, path);
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new V2meowError(
        'BAD_FORMAT',
        `tensor ${name}: shape ${JSON.stringify(e.shape)} is not a list of sizes`,
        path,
      );
    const needed = e.shape.reduce((product, d) => product * d, 1) * safeBytes[e.dtype]!;
    if (needed !== end - begin)
      throw new V2meowError(
        'BAD_FORMAT',
        `tensor ${name}: ${e.dtype} [${e.shape.join(', ')}] needs ${needed} bytes, the file holds ${end - begin}`,
        path,
      );
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    tensors.set(name, wrap(native.fromBuffer(view, e.shape, dtypeCodes[dtype])));
  }
  return { tensors, metadata };
}
