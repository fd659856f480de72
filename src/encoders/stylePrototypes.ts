// The committed table of corpus clip style vectors (weights/style/prototypes.{json,f16}): MusiCNN MTT + MSD
// clip vectors (clipStyle.ts) of 10 s clips of the music corpus, each tagged with its corpus split. The text
// side of the style space (textStyle.ts) builds its vectors from these so that a text vector looks like an
// audio one (V2Meow trains stage 1 on audio style vectors and generates from text ones, as MuLan allows).
// Format: JSON header (labels, rows, provenance, format version) + little-endian float16 [count, dim].
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V2meowError } from '../errors.js';
import { writeFileAtomically } from '../media/atomicFile.js';
import { decodeFloat16, encodeFloat16 } from '../util/float16.js';

export const prototypesFormat = 'v2meow-style-prototypes';
export const prototypesVersion = 1;

/** Corpus split of a clip (the corpus builder's split of its source file). */
export type PrototypeSplit = 'train' | 'validation' | 'test';

/** One 10 s corpus clip. */
export interface PrototypeRow {
  /** Source file key, `source/relative/path` (the corpus builder's split key). */
  readonly key: string;
  /** Start of the clip in the source file, seconds. */
  readonly startSec: number;
  readonly split: PrototypeSplit;
}

/** The JSON header of a prototype table. */
export interface PrototypesHeader {
  readonly format: typeof prototypesFormat;
  readonly version: number;
  /** Style dimension (100). */
  readonly dim: number;
  /** Dimension labels, `mtt:` / `msd:` prefixed (MusicnnStyleEncoder.labels). */
  readonly labels: readonly string[];
  /** One entry per vector, in the order of the float16 file. */
  readonly rows: readonly PrototypeRow[];
  /** Where the vectors came from: encoder, corpus sources, clip length, seed, command, date. */
  readonly provenance: Record<string, unknown>;
}

/** A loaded table: header + vectors [rows.length * dim], row-major. */
export interface StylePrototypes extends PrototypesHeader {
  readonly vectors: Float32Array;
}

/** weights/style in the package. */
export function defaultStyleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'weights', 'style');
}

/** Writes `<dir>/prototypes.json` and `<dir>/prototypes.f16` atomically. */
export async function savePrototypes(dir: string, table: StylePrototypes): Promise<void> {
  if (table.vectors.length !== table.rows.length * table.dim)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `${table.vectors.length} values for ${table.rows.length} rows of ${table.dim}`,
    );
  mkdirSync(dir, { recursive: true });
  const { vectors, ...header } = table;
  await writeFileAtomically(join(dir, 'prototypes.f16'), encodeFloat16(vectors));
  await writeFileAtomically(
    join(dir, 'prototypes.json'),
    Buffer.from(`${JSON.stringify(header, null, 1)}\n`),
  );
}

/** Reads a table written by savePrototypes; checks format, version and size. */
export function loadPrototypes(dir = defaultStyleDir()): StylePrototypes {
  const headerPath = join(dir, 'prototypes.json');
  const dataPath = join(dir, 'prototypes.f16');
  for (const path of [headerPath, dataPath])
    if (!existsSync(path)) throw new V2meowError('FILE_NOT_FOUND', 'style prototype table missing', path);
  const header = JSON.parse(readFileSync(headerPath, 'utf8')) as PrototypesHeader;
  if (header.format !== prototypesFormat)
    throw new V2meowError('BAD_FORMAT', `not a style prototype table (${header.format})`, headerPath);
  if (header.version !== prototypesVersion)
    throw new V2meowError(
      'VERSION_MISMATCH',
      `prototype table version ${header.version}, this build reads ${prototypesVersion}`,
      headerPath,
    );
  const vectors = decodeFloat16(readFileSync(dataPath));
  if (vectors.length !== header.rows.length * header.dim || header.labels.length !== header.dim)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `${vectors.length} values for ${header.rows.length} rows of ${header.dim}`,
      dataPath,
    );
  return { ...header, vectors };
}

/** Row indices of one split (or several). */
export function rowsOfSplit(table: PrototypesHeader, ...splits: PrototypeSplit[]): number[] {
  const out: number[] = [];
  table.rows.forEach((row, i) => {
    if (splits.includes(row.split)) out.push(i);
  });
  return out;
}
