// The style prior: text style vector -> the style of real training music near it, the style token stage 1 is
// conditioned on. Stage 1 learns from the style vectors of real music (MusiCNN clip tags, soft and spread over
// many tags); a text vector is sharper (a few tags near 0.6), so fed as it is the model meets a style it never
// saw. The prior keeps the style vectors of the training split's examples and answers a text with the mean of
// the k examples whose vectors point most its way (cosine after removing the table's mean, so the tags every
// piece shares do not decide). It plays the role of DALL-E 2's prior, and of MuLan's shared space in V2Meow,
// by retrieval: no training. Stored in the prototype-table format (src/encoders/stylePrototypes.ts), one row
// per example (key, split 'train').
//
// Stage 1 learns to continue what it has made more than to follow its style token (with a wrong style its
// validation cross-entropy rises by ~1%, without its rhythm curves by ~17%: scripts/probe-style-use.ts), so
// the prior can also hand over a style PROMPT: 2 s of each example's tokens (semantic, and every codec
// level), which the stages continue (AudioLM-style continuation) and which the output never contains
// (prompts.json + prompts.u16 beside the table).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PairDataset } from '../dataset/reader.js';
import {
  loadPrototypes,
  prototypesFormat,
  prototypesVersion,
  type StylePrototypes,
} from '../encoders/stylePrototypes.js';
import { V2meowError } from '../errors.js';
import { curveNames } from '../features/streams.js';
import { acousticPerSemantic, semanticRateHz } from '../features/timeline.js';
import { writeFileAtomically } from '../media/atomicFile.js';

/** Kind (and role) of a style prior folder in a bundle. */
export const stylePriorKind = 'stylePrior';

/** What the prior made of a text: the style token and the examples behind it. */
export interface PriorStyle {
  readonly vector: Float32Array;
  /** Keys of the k examples averaged, nearest first. */
  readonly neighbours: readonly string[];
  /** Their row numbers in the table (for promptOf). */
  readonly rows: readonly number[];
}

export const stylePromptsFormat = 'v2meow-style-prompts';
export const stylePromptsVersion = 1;

/** prompts.json: what prompts.u16 holds, per table row: `semanticTokens` ids, then levels x 2 x that codes. */
export interface StylePromptsHeader {
  readonly format: typeof stylePromptsFormat;
  readonly version: number;
  /** Rows (the table's, in its order). */
  readonly count: number;
  /** Semantic tokens per prompt (25 Hz). */
  readonly semanticTokens: number;
  /** Codec levels per prompt (each of 2 x semanticTokens frames at 50 Hz). */
  readonly levels: number;
  readonly semanticTokenizerId: string;
  readonly semanticVocabularySize: number;
  readonly codebookSize: number;
  /** The dataset's acoustic featurizer id (the codec the codes are from). */
  readonly codec: string;
  /** Start of each prompt in its example, seconds. */
  readonly startSec: readonly number[];
}

/** One row's prompt: semantic [P] and codes [levels, 2P] (row-major). */
export interface StylePrompt {
  readonly semantic: Int32Array;
  readonly acoustic: Int32Array;
  readonly levels: number;
}

export class StylePrior {
  readonly id: string;
  readonly dim: number;
  readonly size: number;
  private readonly mean: Float32Array;
  /** Rows minus the mean, each scaled to unit length (for the centred cosine). */
  private readonly directions: Float32Array;

  constructor(
    readonly table: StylePrototypes,
    readonly prompts: (StylePromptsHeader & { readonly tokens: Uint16Array }) | null = null,
  ) {
    if (prompts && prompts.count !== table.rows.length)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `${prompts.count} style prompts for a table of ${table.rows.length} rows`,
      );
    const { dim, rows, vectors } = table;
    if (rows.length === 0) throw new V2meowError('EMPTY_CORPUS', 'a style prior needs at least one vector');
    this.dim = dim;
    this.size = rows.length;
    this.id = `style-prior-${rows.length}x${dim}`;
    this.mean = new Float32Array(dim);
    for (let r = 0; r < rows.length; r++)
      for (let d = 0; d < dim; d++) this.mean[d]! += vectors[r * dim + d]! / rows.length;
    this.directions = new Float32Array(vectors.length);
    for (let r = 0; r < rows.length; r++) {
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        const x = vectors[r * dim + d]! - this.mean[d]!;
        this.directions[r * dim + d] = x;
        norm += x * x;
      }
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < dim; d++) this.directions[r * dim + d]! *= scale;
    }
  }

  /** Reads a prior folder (prototypes.json + prototypes.f16, and prompts.json + prompts.u16 if there). */
  static load(dir: string): StylePrior {
    const headerPath = join(dir, 'prompts.json');
    if (!existsSync(headerPath)) return new StylePrior(loadPrototypes(dir));
    const header = JSON.parse(readFileSync(headerPath, 'utf8')) as StylePromptsHeader;
    if (header.format !== stylePromptsFormat || header.version !== stylePromptsVersion)
      throw new V2meowError('BAD_FORMAT', `not style prompts of version ${stylePromptsVersion}`, headerPath);
    const dataPath = join(dir, 'prompts.u16');
    if (!existsSync(dataPath)) throw new V2meowError('FILE_NOT_FOUND', 'style prompts missing', dataPath);
    const bytes = readFileSync(dataPath);
    const tokens = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    if (tokens.length !== header.count * promptSize(header))
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `${tokens.length} tokens for ${header.count} prompts of ${promptSize(header)}`,
        dataPath,
      );
    return new StylePrior(loadPrototypes(dir), { ...header, tokens });
  }

  /** Row `row`'s prompt (throws when the prior holds none). */
  promptOf(row: number): StylePrompt {
    const p = this.prompts;
    if (!p) throw new V2meowError('MODEL_MISSING', 'this style prior holds no prompts');
    const size = promptSize(p);
    const at = row * size;
    return {
      semantic: Int32Array.from(p.tokens.subarray(at, at + p.semanticTokens)),
      acoustic: Int32Array.from(p.tokens.subarray(at + p.semanticTokens, at + size)),
      levels: p.levels,
    };
  }

  /** The mean of the `k` rows nearest `style` by centred cosine (k is capped at the table's size). */
  nearest(style: ArrayLike<number>, k: number): PriorStyle {
    if (style.length !== this.dim)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `style vector of ${style.length}, the prior holds ${this.dim}-d`,
      );
    if (!(Number.isInteger(k) && k >= 1))
      throw new V2meowError('BAD_ARGUMENT', `style prior k ${k}: a whole number >= 1`);
    const query = new Float32Array(this.dim);
    for (let d = 0; d < this.dim; d++) query[d] = style[d]! - this.mean[d]!;
    const scores = Array.from({ length: this.size }, (_, r) => {
      let dot = 0;
      for (let d = 0; d < this.dim; d++) dot += this.directions[r * this.dim + d]! * query[d]!;
      return { r, dot };
    });
    scores.sort((a, b) => b.dot - a.dot || a.r - b.r);
    const chosen = scores.slice(0, Math.min(k, this.size));
    const vector = new Float32Array(this.dim);
    for (const { r } of chosen)
      for (let d = 0; d < this.dim; d++) vector[d]! += this.table.vectors[r * this.dim + d]! / chosen.length;
    return {
      vector,
      neighbours: chosen.map(({ r }) => this.table.rows[r]!.key),
      rows: chosen.map(({ r }) => r),
    };
  }
}

const energyChannel = curveNames.indexOf('energy');

const promptSize = (h: { semanticTokens: number; levels: number }) =>
  h.semanticTokens * (1 + h.levels * acousticPerSemantic);

/**
 * The style prompts of the table's rows (a table made by stylePriorTable from `dataset`): per example, the
 * `seconds` window with the highest mean loudness (the music curves' energy), so a prompt is never silence.
 */
export function stylePromptsOf(
  dataset: PairDataset,
  table: StylePrototypes,
  info: { semanticTokenizerId: string; semanticVocabularySize: number; codebookSize: number },
  seconds = 2,
): StylePromptsHeader & { readonly tokens: Uint16Array } {
  const byKey = new Map(dataset.index.examples.map((e) => [e.key, e]));
  const numTokens = Math.round(seconds * semanticRateHz);
  const first = dataset.metadata(byKey.get(table.rows[0]!.key)!);
  const levels = first.acousticLevels;
  const size = promptSize({ semanticTokens: numTokens, levels });
  const tokens = new Uint16Array(table.rows.length * size);
  const startSec: number[] = [];
  table.rows.forEach((row, r) => {
    const record = byKey.get(row.key);
    if (!record) throw new V2meowError('BAD_FORMAT', `no example ${row.key}`, dataset.dir);
    if (record.numSemanticFrames < numTokens)
      throw new V2meowError('BAD_FORMAT', `${row.key} is shorter than a ${seconds} s prompt`, dataset.dir);
    const file = dataset.file(record);
    const curves = file.read('musicCurves') as Float32Array; // [S, curveNames.length]
    const channels = curveNames.length;
    let best = 0;
    let bestSum = Number.NEGATIVE_INFINITY;
    for (let start = 0; start + numTokens <= record.numSemanticFrames; start += semanticRateHz) {
      let sum = 0;
      for (let t = start; t < start + numTokens; t++) sum += curves[t * channels + energyChannel]!;
      if (sum > bestSum) [best, bestSum] = [start, sum];
    }
    startSec.push(best / semanticRateHz);
    const at = r * size;
    tokens.set(file.readRows('semantic', best, numTokens), at);
    const perLevel = file.entry('acoustic').shape[1]!;
    for (let level = 0; level < levels; level++)
      tokens.set(
        file.readElements(
          'acoustic',
          level * perLevel + best * acousticPerSemantic,
          numTokens * acousticPerSemantic,
        ),
        at + numTokens + level * numTokens * acousticPerSemantic,
      );
  });
  return {
    format: stylePromptsFormat,
    version: stylePromptsVersion,
    count: table.rows.length,
    semanticTokens: numTokens,
    levels,
    ...info,
    codec: dataset.index.settings.featurizers.acoustic ?? 'unknown',
    startSec,
    tokens,
  };
}

/** Writes prompts.json + prompts.u16 into a prior folder. */
export async function saveStylePrompts(
  dir: string,
  prompts: StylePromptsHeader & { readonly tokens: Uint16Array },
): Promise<void> {
  const { tokens, ...header } = prompts;
  await writeFileAtomically(
    join(dir, 'prompts.u16'),
    new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength),
  );
  await writeFileAtomically(join(dir, 'prompts.json'), Buffer.from(`${JSON.stringify(header, null, 1)}\n`));
}

/**
 * The prior table of a dataset's `split` (default train): each example's stored style vector, labelled with
 * `labels` (the style encoder's tag names, e.g. a text style folder's prototypes.json labels).
 */
export function stylePriorTable(
  dataset: PairDataset,
  labels: readonly string[],
  split: 'train' | 'validation' = 'train',
): StylePrototypes {
  const records = dataset.examples(split);
  if (records.length === 0)
    throw new V2meowError('EMPTY_CORPUS', `split '${split}' has no examples`, dataset.dir);
  const vectors = new Float32Array(records.length * labels.length);
  records.forEach((record, i) => {
    const style = dataset.file(record).read('style') as Float32Array;
    if (style.length !== labels.length)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `style vector of ${style.length}, labels of ${labels.length}`,
        join(dataset.dir, record.file),
      );
    vectors.set(style, i * labels.length);
  });
  return {
    format: prototypesFormat,
    version: prototypesVersion,
    dim: labels.length,
    labels,
    rows: records.map((r) => ({ key: r.key, startSec: 0, split })),
    provenance: {
      what: `style vectors of the ${split} split's examples (one per example), for the style prior`,
      dataset: dataset.dir,
      split,
      hoursBySource: Object.fromEntries(
        Object.entries(dataset.index.totals.bySource)
          .filter(([, hours]) => hours[split] > 0)
          .map(([source, hours]) => [source, Math.round(hours[split] * 1e4) / 1e4]),
      ),
    },
    vectors,
  };
}
