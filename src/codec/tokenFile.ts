// The .v2c token file: a documented, versioned container for one clip's codec tokens.
//   bytes 0..7   magic "V2MEOWTK"
//   bytes 8..11  header length H (uint32 little-endian)
//   bytes 12..   header: UTF-8 JSON (TokenFileHeader), H bytes
//   then         tokens: uint16 little-endian, row-major [numLevels, numFrames]
// The header carries the codec id, rates and shape, and a sha256 of the token bytes, so a truncated or
// altered file is rejected with a clear error instead of decoding to noise.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { V2meowError } from '../errors.js';

export const tokenFileMagic = 'V2MEOWTK';
export const tokenFileVersion = 1;

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
  /** Lowercase hex sha256 of the token bytes. */
  readonly tokensSha256: string;
}

export interface TokenFile {
  readonly header: TokenFileHeader;
  /** Tokens [numLevels, numFrames], row-major. */
  readonly tokens: Uint16Array;
}

/** Serialises a token file. tokens holds numLevels * numFrames values < codebookSize. */
export function encodeTokenFile(
  header: Omit<TokenFileHeader, 'formatVersion' | 'tokensSha256'>,
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
  const full: TokenFileHeader = {
    formatVersion: tokenFileVersion,
    ...header,
    tokensSha256: createHash('sha256').update(body).digest('hex'),
  };
  const json = new TextEncoder().encode(JSON.stringify(full));
  const out = new Uint8Array(12 + json.length + body.length);
  out.set(new TextEncoder().encode(tokenFileMagic), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(body, 12 + json.length);
  return out;
}

const numericFields = [
  'sampleRateHz',
  'frameRateHz',
  'codebookSize',
  'numLevels',
  'numFrames',
  'numSamples',
] as const;

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
  if (header.formatVersion !== tokenFileVersion)
    throw new V2meowError(
      'VERSION_MISMATCH',
      `token file format version ${header.formatVersion}, this v2meow reads version ${tokenFileVersion}`,
      file,
    );
  for (const field of numericFields)
    if (!Number.isInteger(header[field]) || header[field] < 0)
      throw bad(`header field ${field} is not a count`);
  if (typeof header.codec !== 'string' || typeof header.tokensSha256 !== 'string')
    throw bad('header lacks codec or tokensSha256');
  const body = bytes.subarray(12 + headerLength);
  const expected = header.numLevels * header.numFrames * 2;
  if (body.length !== expected)
    throw bad(`${body.length} token bytes, the header promises ${expected} (truncated or padded)`);
  if (createHash('sha256').update(body).digest('hex') !== header.tokensSha256)
    throw bad('token bytes do not match their checksum');
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
  } catch {
    throw new V2meowError('FILE_NOT_FOUND', 'cannot read the token file', path);
  }
  return decodeTokenFile(bytes, path);
}
