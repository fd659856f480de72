// The data side of the stage trainers (issue 12 item 6): a training set (src/dataset, PairDataset) read as
// endless random windows for training and fixed windows of the validation split for scoring. What the set
// holds (vocabularies, codec levels, visual streams with their rates and sizes, hours by source and kind) is
// gathered once and checked against a stage's config before any work, so that a stage never trains on
// streams it does not expect. Training batches: every rank reads the same global batch of
// batchSize x worldSize windows and keeps its own rows (the loop's data-parallel shard); the data position
// saved with checkpoints is the reader's {epoch, position}, the same on every rank. Mostly silent crops are
// redrawn (issue 13: silence must not dominate the crops; the reader tests each codec frame's stored level).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SplitName } from '../data/corpusFormat.js';
import type { ExampleKind, StoredStreamInfo } from '../dataset/format.js';
import type {
  PairBatch,
  PairDataset,
  SilenceOptions,
  StyleScope,
  WindowPosition,
} from '../dataset/reader.js';
import { V2meowError } from '../errors.js';
import type { VisualStreamName } from '../features/streams.js';
import { framesIn, semanticRateHz } from '../features/timeline.js';
import type { StreamSpec } from '../models/common.js';
import { defaultSemanticDir, semanticInfoFile, semanticWeightsFile } from '../tokens/musicnnKmeans.js';
import type { BatchSource, DataShard } from './loop.js';

/** Crops with more than 30% of codec frames below -50 dBFS are redrawn (up to 8 tries per slot). */
export const trainingSilence: SilenceOptions = { thresholdDb: -50, maxFraction: 0.3, attempts: 8 };

/** At most this many validation windows are scored (the first ones of the fixed, ordered pass). */
export const maxValidationWindows = 64;

/** What a training set holds, as far as a stage config cares. */
export interface DatasetFacts {
  readonly dir: string;
  /** Semantic token ids 0..semanticVocabularySize-1. */
  readonly semanticVocabularySize: number;
  /** Id of the semantic tokenizer the tokens came from (SemanticTokenizer.id; see semanticTokenizerIdOf). */
  readonly semanticTokenizerId: string;
  /** Codes per codec level. */
  readonly acousticCodebookSize: number;
  /** Codec levels stored (12). */
  readonly acousticLevels: number;
  /** Visual streams of the paired training examples, by name. */
  readonly visualStreams: ReadonlyMap<VisualStreamName, StoredStreamInfo>;
  /** Hours of the training split by source folder. */
  readonly trainHoursBySource: Record<string, number>;
  /** Hours of the training split by kind. */
  readonly trainHoursByKind: Record<string, number>;
  /** Featurizer ids the set was made with. */
  readonly featurizers: Record<string, string>;
}

/** Opens `dir` and reads what it holds (every example's header); errors name the dataset. */
export function datasetFacts(dataset: PairDataset): DatasetFacts {
  const { dir, index } = dataset;
  const train = dataset.examples('train');
  if (train.length === 0) throw new V2meowError('EMPTY_CORPUS', "the dataset's train split is empty", dir);
  const sizes = new Set<string>();
  const visualStreams = new Map<VisualStreamName, StoredStreamInfo>();
  for (const record of index.examples) {
    const m = dataset.metadata(record);
    sizes.add(`${m.semanticVocabularySize}/${m.acousticCodebookSize}/${m.acousticLevels}`);
    if (record.split !== 'train') continue;
    for (const [name, info] of Object.entries(m.visualStreams) as [VisualStreamName, StoredStreamInfo][])
      if (!visualStreams.has(name)) visualStreams.set(name, info);
  }
  if (sizes.size !== 1)
    throw new V2meowError(
      'BAD_FORMAT',
      `examples disagree on semantic vocabulary / codebook size / codec levels (${[...sizes].join(', ')})`,
      dir,
    );
  const [semanticVocabularySize, acousticCodebookSize, acousticLevels] = [...sizes][0]!
    .split('/')
    .map(Number);
  const round = (h: number) => Math.round(h * 1e4) / 1e4;
  return {
    dir,
    semanticVocabularySize: semanticVocabularySize!,
    semanticTokenizerId: semanticTokenizerIdOf(index.settings.featurizers.semantic),
    acousticCodebookSize: acousticCodebookSize!,
    acousticLevels: acousticLevels!,
    visualStreams,
    trainHoursBySource: Object.fromEntries(
      Object.entries(index.totals.bySource).map(([source, h]) => [source, round(h.train)]),
    ),
    trainHoursByKind: Object.fromEntries(
      Object.entries(index.totals.byKind).map(([kind, h]) => [kind, round(h.train)]),
    ),
    featurizers: { ...index.settings.featurizers },
  };
}

/**
 * The SemanticTokenizer.id of a dataset's semantic featurizer id. The dataset records the tokenizer by its
 * file ('musicnn-kmeans@' + the first 12 hex digits of semantic.safetensors' sha256, src/dataset/
 * realFeaturizer.ts): when that is the committed tokenizer (weights/semantic), its id from semantic.json;
 * otherwise the featurizer id itself (a stand-in's, or another fit's), which no shipped tokenizer has, so a
 * bundle pairing such stages with the committed tokenizer is refused as a misfit rather than run.
 */
export function semanticTokenizerIdOf(featurizerId: string): string {
  const dir = defaultSemanticDir();
  const weights = join(dir, semanticWeightsFile);
  if (!featurizerId.startsWith('musicnn-kmeans@') || !existsSync(weights)) return featurizerId;
  const tag = createHash('sha256').update(readFileSync(weights)).digest('hex').slice(0, 12);
  if (featurizerId !== `musicnn-kmeans@${tag}`) return featurizerId;
  return (JSON.parse(readFileSync(join(dir, semanticInfoFile), 'utf8')) as { id: string }).id;
}

/**
 * Checks that the dataset holds every visual stream of `specs` (all but 'curves', which every example has)
 * at the spec's rate, size and kind; throws SHAPE_MISMATCH naming the dataset, the stream and both shapes.
 */
export function checkStreams(facts: DatasetFacts, specs: readonly StreamSpec[], stage: string): void {
  const describe = (s: { rateHz: number; dim: number; kind: string; vocabularySize?: number }) =>
    `${s.dim}-d ${s.kind}${s.vocabularySize ? ` (vocabulary ${s.vocabularySize})` : ''} at ${s.rateHz} Hz`;
  for (const spec of specs) {
    if (spec.name === 'curves') {
      if (spec.rateHz !== semanticRateHz || spec.dim !== 6 || spec.kind !== 'dense')
        throw new V2meowError(
          'SHAPE_MISMATCH',
          `${stage} wants stream 'curves' as ${describe(spec)}; the dataset's curves are 6-d dense at ${semanticRateHz} Hz`,
          facts.dir,
        );
      continue;
    }
    const held = facts.visualStreams.get(spec.name as VisualStreamName);
    if (!held)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `${stage} wants visual stream '${spec.name}' (${describe(spec)}), which no paired training example ` +
          `of the dataset holds (it holds: ${[...facts.visualStreams.keys()].join(', ') || 'no visual streams'})`,
        facts.dir,
      );
    const same =
      held.rateHz === spec.rateHz &&
      held.dim === spec.dim &&
      held.kind === spec.kind &&
      (spec.kind !== 'tokens' || held.vocabularySize === spec.vocabularySize);
    if (!same)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `${stage} wants visual stream '${spec.name}' as ${describe(spec)}; the dataset holds it as ${describe(held)}`,
        facts.dir,
      );
  }
}

/** A training batch of one rank: the global batch and the rows [first, first + count) that are this rank's. */
export interface RankBatch {
  readonly batch: PairBatch;
  readonly firstRow: number;
  readonly numRows: number;
}

export interface WindowSourceOptions {
  readonly seconds: number;
  /** Rows per rank. */
  readonly batchSize: number;
  /** Example kinds to draw from. */
  readonly kinds: readonly ExampleKind[];
  /** The style vector of each row (default 'clip'). */
  readonly styleScope?: StyleScope;
}

function isPosition(state: unknown): state is WindowPosition {
  const s = state as WindowPosition | null;
  return !!s && Number.isInteger(s.epoch) && Number.isInteger(s.position);
}

/** Endless random training windows of this rank; `resume` is the saved position (or undefined). */
export function trainingWindows(
  dataset: PairDataset,
  shard: DataShard,
  o: WindowSourceOptions,
  resume: unknown,
  log: (message: string) => void,
): BatchSource<RankBatch> {
  let position: WindowPosition = isPosition(resume) ? resume : { epoch: 0, position: 0 };
  if (resume !== undefined && !isPosition(resume))
    log('the checkpoint holds no data position: the data order starts from the beginning');
  const windows = dataset.windows('train', {
    seconds: o.seconds,
    batchSize: o.batchSize * shard.worldSize,
    seed: shard.seed,
    kinds: o.kinds,
    skipSilence: trainingSilence,
    start: position,
    ...(o.styleScope ? { styleScope: o.styleScope } : {}),
  });
  return {
    next(): RankBatch {
      const batch = windows.next().value;
      position = batch.next;
      return { batch, firstRow: shard.rank * o.batchSize, numRows: o.batchSize };
    },
    state: () => position,
    close: () => dataset.close(),
  };
}

/** The fixed validation windows: at most maxValidationWindows, evenly spaced over every example's consecutive windows. */
export function* validationWindows(
  dataset: PairDataset,
  o: WindowSourceOptions,
  split: SplitName = 'validation',
): Generator<PairBatch> {
  yield* dataset.evaluationWindows(split, {
    seconds: o.seconds,
    batchSize: o.batchSize,
    kinds: o.kinds,
    maxWindows: maxValidationWindows,
    ...(o.styleScope ? { styleScope: o.styleScope } : {}),
  });
}

/** Throws before training when `split` holds no window of the crop length. */
export function checkSplitHasWindows(dataset: PairDataset, o: WindowSourceOptions, split: SplitName): void {
  const frames = framesIn(o.seconds, semanticRateHz);
  const ok = dataset.examples(split, o.kinds).some((e) => e.numSemanticFrames >= frames);
  if (!ok)
    throw new V2meowError(
      'EMPTY_CORPUS',
      `the ${split} split holds no ${o.kinds.join(' or ')} example of ${frames / semanticRateHz} s or longer`,
      dataset.dir,
    );
}

/** Throws before training when an example lacks the per-segment style vectors that styleScope 'window' reads. */
export function checkStyleSegments(dataset: PairDataset): void {
  const lacking = dataset.index.examples.filter((record) => !dataset.file(record).has('styleSegments'));
  if (lacking.length > 0)
    throw new V2meowError(
      'BAD_FORMAT',
      `${lacking.length} of ${dataset.index.examples.length} examples (first: ${lacking[0]!.file}) have no ` +
        "per-segment style vectors: rebuild the set with 'v2meow dataset build' to train with --style-scope window",
      dataset.dir,
    );
}
