// The .v2c token file: a documented, versioned container for one clip's codec tokens.
//   bytes 0..7   magic "V2MEOWTK"
//   bytes 8..11  header length H (uint32 little-endian)
//   bytes 12..   header: UTF-8 JSON (TokenFileHeader), H bytes
//   then         tokens: uint16 little-endian, row-major [numLevels, numFrames]
// Version 2 (this one) stores `sha256` over the header's other fields and the token bytes, so an altered
// header is rejected like altered tokens; every header field is also checked for sense (counts, rates, a
// sample count that fits the frames) here, and against the decoding codec in files.ts. Version 1 files (the
// checksum covered the tokens only) still read, with the same field checks.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { V2meowError } from '../errors.js';

export const tokenFileMagic = 'V2MEOWTK';
export const tokenFileVersion = 2;
/** Oldest version this v2meow still reads. */
const oldestReadableVersion = 1;

export interface TokenFileHeader {
  readonly formatVersion: number;
  /** AudioCodec.id of the codec that made the tokens. */
  readonly codec: string;
  readonly sampleRateHz: number;
  readonly frameRateHz: number;
  readonly codebookSize: number;
  /** Levels stored (a prefix of the codec's levels). */
  readonly numLevels: number;
  readonly numFrames: number;
  /** Length of the encoded audio in samples (decoding trims to it). */
  readonly numSamples: number;
  /** Version 2: lowercase hex sha256 of the other header fields (as JSON) and the token bytes. */
  readonly sha256?: string;
  /** Version 1 only: lowercase hex sha256 of the token bytes. */
  readonly tokensSha256?: string;
}

/** Largest codebook a uint16 token can index. */
const maxCodebookSize = 65536;

/** sha256 of a version-2 header without its `sha256` field, a newline, and the token bytes. */
function headerAndTokensSha256(header: Omit<TokenFileHeader, 'sha256'>, body: Uint8Array): string {
  const { sha256: _omit, ...fields } = header as TokenFileHeader;
  return createHash('sha256')
    .update(`${JSON.stringify(fields)}\n`)
    .update(body)
    .digest('hex');
}

export interface TokenFile {
  readonly header: TokenFileHeader;
  /** Tokens [numLevels, numFrames], row-major. */
  readonly tokens: Uint16Array;
}

/** Serialises a token file. tokens holds numLevels * numFrames values < codebookSize. */
export function encodeTokenFile(
  header: Omit<TokenFileHeader, 'formatVersion' | 'sha256' | 'tokensSha256'>,
  tokens: Uint16Array,
): Uint8Array {
  if (tokens.length !== header.numLevels * header.numFrames)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `${tokens.length} tokens for ${header.numLevels} x ${header.numFrames}`,
    );
  const body = new Uint8Array(tokens.length * 2);
  const view = new DataView(body.buffer);
  for (const [i, t] of tokens.entries()) view.setUint16(i * 2, t, true);
  const fields = {
    formatVersion: tokenFileVersion,
    codec: header.codec,
    sampleRateHz: header.sampleRateHz,
    frameRateHz: header.frameRateHz,
    codebookSize: header.codebookSize,
    numLevels: header.numLevels,
    numFrames: header.numFrames,
    numSamples: header.numSamples,
  };
  const full: TokenFileHeader = { ...fields, sha256: headerAndTokensSha256(fields, body) };
  const json = new TextEncoder().encode(JSON.stringify(full));
  const out = new Uint8Array(12 + json.length + body.length);
  out.set(new TextEncoder().encode(tokenFileMagic), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(body, 12 + json.length);
  return out;
}

/** Checks the header fields for sense on their own (the codec check is in files.ts); a reason or undefined. */
function headerProblem(header: TokenFileHeader): string | undefined {
  const isCount = (value: unknown, min: number) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
  if (typeof header.codec !== 'string' || header.codec.length === 0) return 'header lacks the codec id';
  if (!isCount(header.sampleRateHz, 1)) return `sampleRateHz ${header.sampleRateHz} is not a positive count`;
  if (
    typeof header.frameRateHz !== 'number' ||
    !(header.frameRateHz > 0) ||
    header.frameRateHz > header.sampleRateHz
  )
    return `frameRateHz ${header.frameRateHz} is not in (0, sampleRateHz]`;
  if (!isCount(header.codebookSize, 2) || header.codebookSize > maxCodebookSize)
    return `codebookSize ${header.codebookSize} is not in [2, ${maxCodebookSize}]`;
  if (!isCount(header.numLevels, 1)) return `numLevels ${header.numLevels} is not a positive count`;
  if (!isCount(header.numFrames, 1)) return `numFrames ${header.numFrames} is not a positive count`;
  const hop = header.sampleRateHz / header.frameRateHz;
  if (
    !isCount(header.numSamples, 1) ||
    header.numSamples > header.numFrames * hop ||
    header.numSamples <= (header.numFrames - 1) * hop
  )
    return `numSamples ${header.numSamples} does not fit ${header.numFrames} frames of ${hop} samples`;
  return undefined;
}

/** Parses and checks a token file; `file` names it in errors (V2meowError BAD_FORMAT / VERSION_MISMATCH). */
export function decodeTokenFile(bytes: Uint8Array, file?: string): TokenFile {
  const bad = (why: string) => new V2meowError('BAD_FORMAT', `not a valid .v2c token file: ${why}`, file);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== tokenFileMagic)
    throw bad(`missing the '${tokenFileMagic}' magic`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(8, true);
  if (12 + headerLength > bytes.length)
    throw bad(`header of ${headerLength} bytes runs past the end of the file`);
  let header: TokenFileHeader;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)),
    );
  } catch {
    throw bad('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw bad('header is not a JSON object');
  const version = header.formatVersion;
  if (typeof version !== 'number' || version < oldestReadableVersion || version > tokenFileVersion)
    throw new V2meowError(
      'VERSION_MISMATCH',
      `token file format version ${version}, this v2meow reads versions ${oldestReadableVersion} to ${tokenFileVersion}`,
      file,
    );
  const body = bytes.subarray(12 + headerLength);
  // The checksum first: an altered header is named as such rather than by the field that changed.
  if (version >= 2) {
    if (typeof header.sha256 !== 'string') throw bad('header lacks its sha256');
    if (headerAndTokensSha256(header, body) !== header.sha256)
      throw bad('header or token bytes do not match their checksum (altered, truncated or padded)');
  }
  const problem = headerProblem(header);
  if (problem) throw bad(problem);
  const expected = header.numLevels * header.numFrames * 2;
  if (body.length !== expected)
    throw bad(`${body.length} token bytes, the header promises ${expected} (truncated or padded)`);
  if (version === 1) {
    if (typeof header.tokensSha256 !== 'string') throw bad('header lacks tokensSha256');
    if (createHash('sha256').update(body).digest('hex') !== header.tokensSha256)
      throw bad('token bytes do not match their checksum');
  }
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const tokens = new Uint16Array(header.numLevels * header.numFrames);
  for (let i = 0; i < tokens.length; i++) {
    tokens[i] = view.getUint16(i * 2, true);
    if (tokens[i]! >= header.codebookSize)
      throw bad(`token ${tokens[i]} at ${i} is not below the codebook size ${header.codebookSize}`);
  }
  return { header, tokens };
}

/** Reads and checks a .v2c file. */
export function readTokenFile(path: string): TokenFile {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new V2meowError('FILE_NOT_FOUND', 'cannot read the token file', path, { cause: error });
  }
  return decodeTokenFile(bytes, path);
}
