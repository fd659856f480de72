// On-disk cache for evaluation features, keyed by content: a file's analysis is keyed by the SHA-256 of its
// bytes plus the analysis settings, a set's statistics by the keys of its clips, so renaming or moving files
// keeps the cache and editing one invalidates it. Default folder: $XDG_CACHE_HOME/v2meow/eval (or
// ~/.cache/v2meow/eval). Record format, one file per key: "V2MEVAL1", uint32 LE header length, JSON header
// {meta, arrays: [{name, dtype, length}]}, zero padding to 8 bytes, then the arrays' bytes in header order.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import { writeFileAtomically } from '../media/atomicFile.js';

/** Bumped whenever what is cached changes meaning; part of every key. */
export const evalCacheVersion = 1;

const magic = 'V2MEVAL1';

/** Default cache folder. */
export function defaultEvalCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'v2meow', 'eval');
}

const hashMemo = new Map<string, string>();

/** SHA-256 (hex) of a file's bytes; memoized per path, size and modification time. */
export async function contentHash(path: string): Promise<string> {
  let memoKey: string;
  try {
    const info = statSync(path);
    memoKey = `${path}\0${info.size}\0${info.mtimeMs}`;
  } catch (error) {
    throw new V2meowError('FILE_NOT_FOUND', 'file does not exist or cannot be read', path, { cause: error });
  }
  const known = hashMemo.get(memoKey);
  if (known) return known;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  hashMemo.set(memoKey, digest);
  return digest;
}

/** SHA-256 (hex) of a JSON-serializable value: cache keys from settings and content hashes. */
export function keyOf(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ version: evalCacheVersion, value }))
    .digest('hex');
}

export type CachedArray = Float32Array | Float64Array;

/** A cached record: JSON metadata and named float arrays. */
export interface CacheRecord<M> {
  readonly meta: M;
  readonly arrays: Record<string, CachedArray>;
}

interface Header<M> {
  meta: M;
  arrays: { name: string; dtype: 'float32' | 'float64'; length: number }[];
}

/** Encodes a record in the format described at the top of this file. */
export function encodeRecord<M>(record: CacheRecord<M>): Buffer {
  const names = Object.keys(record.arrays);
  const header: Header<M> = {
    meta: record.meta,
    arrays: names.map((name) => {
      const array = record.arrays[name]!;
      return { name, dtype: array instanceof Float64Array ? 'float64' : 'float32', length: array.length };
    }),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = magic.length + 4 + headerBytes.length;
  const padding = (8 - (prefix % 8)) % 8;
  const parts: Buffer[] = [Buffer.from(magic, 'ascii'), Buffer.alloc(4), headerBytes, Buffer.alloc(padding)];
  parts[1]!.writeUInt32LE(headerBytes.length);
  for (const name of names) {
    const array = record.arrays[name]!;
    parts.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
  }
  return Buffer.concat(parts);
}

/** Decodes a record; throws BAD_FORMAT on a damaged one. */
export function decodeRecord<M>(bytes: Buffer, source = 'cache record'): CacheRecord<M> {
  if (bytes.length < magic.length + 4 || bytes.toString('ascii', 0, magic.length) !== magic)
    throw new V2meowError('BAD_FORMAT', 'not an evaluation cache record', source);
  const headerLength = bytes.readUInt32LE(magic.length);
  const headerStart = magic.length + 4;
  const header = JSON.parse(bytes.toString('utf8', headerStart, headerStart + headerLength)) as Header<M>;
  let offset = headerStart + headerLength;
  offset += (8 - (offset % 8)) % 8;
  const arrays: Record<string, CachedArray> = {};
  for (const { name, dtype, length } of header.arrays) {
    const size = dtype === 'float64' ? 8 : 4;
    if (offset + length * size > bytes.length)
      throw new V2meowError('BAD_FORMAT', 'truncated cache record', source);
    const copy = new Uint8Array(bytes.subarray(offset, offset + length * size));
    arrays[name] = dtype === 'float64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
    offset += length * size;
  }
  return { meta: header.meta, arrays };
}

/** A folder of records; `null` folder = no caching (every read misses, writes are dropped). */
export class EvalCache {
  constructor(readonly folder: string | null) {}

  private path(kind: string, key: string): string {
    return join(this.folder!, `${kind}-${key}.bin`);
  }

  /** The record under (kind, key), or undefined; a damaged record counts as a miss. */
  read<M>(kind: string, key: string): CacheRecord<M> | undefined {
    if (!this.folder) return undefined;
    try {
      return decodeRecord<M>(readFileSync(this.path(kind, key)));
    } catch {
      return undefined;
    }
  }

  async write<M>(kind: string, key: string, record: CacheRecord<M>): Promise<void> {
    if (!this.folder) return;
    try {
      mkdirSync(this.folder, { recursive: true });
    } catch (error) {
      throw new V2meowError('NOT_WRITABLE', 'cannot create the evaluation cache folder', this.folder, {
        cause: error,
      });
    }
    await writeFileAtomically(this.path(kind, key), encodeRecord(record));
  }
}
