// The on-disk format of a V2Meow training set (issue 11, part 5): one safetensors file per source file under
// OUT_DIR/examples/ (tensors below, one JSON metadata entry), and OUT_DIR/index.json rebuilt from them at the
// end of every build (which example each source file has, its split, kind and licence, and the totals).
// Everything of an example lies on the one timeline of src/features/timeline.ts: its audio is cut to whole
// semantic frames S, so semantic frame k, acoustic frames 2k and 2k + 1 and curve frame k cover
// [k / 25, (k + 1) / 25) s, and visual streams carry their own rates on the same clock.
//
// Tensors of an example (S = semantic frames, T = 2S codec frames):
//   semantic       I16 [S]          semantic token ids
//   acoustic       I16 [L, T]       the codec's L (12) RVQ levels
//   style          F32 [D]          clip style vector (D = 100): the mean of styleSegments when present
//   styleSegments  F32 [G, D]       style vector of each 10 s segment (styleSegmentBounds; sets built since 2026-12-02)
//   musicCurves    F16 [S, 6]       rhythm curves of the music (curveNames order)
//   frameRmsDb     F16 [T]          RMS level of each codec frame's 320 samples, dB re full scale (silence tests)
//   videoCurves    F16 [S, 6]       rhythm curves of the picture (paired examples only)
//   visual.NAME    F16 [F, dim]     visual stream NAME at its own rate (I16 for 'tokens' streams)
import {
  type LicenseRecord,
  readIndexFile,
  type SkippedFile,
  type SourceFolderHours,
  type SplitHours,
  type SplitName,
} from '../data/indexCommon.js';
import { V2meowError } from '../errors.js';
import type { VisualStreamName } from '../features/streams.js';

export const exampleFormatName = 'v2meow-pairs-example';
export const datasetFormatName = 'v2meow-pairs';
/** Bumped when example tensors or metadata change meaning; part of every cache key. */
export const datasetFormatVersion = 1;
export { indexFileName as datasetIndexFileName } from '../data/indexCommon.js';
export const examplesFolderName = 'examples';

/** paired: a video with its soundtrack; music: music alone (no visual streams). */
export type ExampleKind = 'paired' | 'music';
export const exampleKinds: readonly ExampleKind[] = ['paired', 'music'];

/** Identifiers (name + version + weights) of each featurizer part; they enter the cache key. */
export interface FeaturizerIds {
  readonly semantic: string;
  readonly acoustic: string;
  readonly style: string;
  readonly musicCurves: string;
  /** Used by paired examples only. */
  readonly visual: string;
  readonly videoCurves: string;
}

/** How a visual stream is stored in an example (and laid out in a batch: BatchStream of reader.ts). */
export interface StoredStreamInfo {
  /** Frames per second. */
  readonly rateHz: number;
  /** Frames of the example (of the window, in a batch). */
  readonly numFrames: number;
  /** Values per frame. */
  readonly dim: number;
  /** 'dense': features (stored F16); 'tokens': integer ids (stored I16). */
  readonly kind: 'dense' | 'tokens';
  /** Distinct ids of a 'tokens' stream. */
  readonly vocabularySize?: number;
}

/** The JSON metadata of one example file (safetensors `__metadata__.example`). */
export interface ExampleMetadata {
  readonly format: typeof exampleFormatName;
  readonly version: number;
  readonly kind: ExampleKind;
  /** `source/relative/path` of the source file (the split key). */
  readonly key: string;
  /** Name of the source folder. */
  readonly source: string;
  /** SHA-256 of the source file's bytes. */
  readonly contentSha256: string;
  /** Seconds covered: numSemanticFrames / 25 (the audio's partial last frame is dropped). */
  readonly durationSec: number;
  readonly numSemanticFrames: number;
  readonly numAcousticFrames: number;
  readonly acousticLevels: number;
  readonly acousticCodebookSize: number;
  readonly semanticVocabularySize: number;
  /** Ids of the featurizer parts this example was made with (visual ones only for paired examples). */
  readonly featurizers: Partial<FeaturizerIds>;
  /** Visual streams stored (paired examples). */
  readonly visualStreams: Readonly<Partial<Record<VisualStreamName, StoredStreamInfo>>>;
}

/** One example in the index. */
export interface ExampleRecord {
  /** Example file, relative to the dataset folder. */
  readonly file: string;
  readonly key: string;
  readonly source: string;
  readonly kind: ExampleKind;
  readonly split: SplitName;
  readonly durationSec: number;
  readonly numSemanticFrames: number;
  /** Index into DatasetIndex.licenses, or null when no licence file was found. */
  readonly licenseId: number | null;
  readonly visualStreams: readonly VisualStreamName[];
}

/** Settings of a build; the split ones decide the split, the rest is informational. */
export interface DatasetSettings {
  readonly seed: number;
  /** Fractions of source files per split (train 0.8, validation 0.2 by default). */
  readonly split: Readonly<Record<SplitName, number>>;
  readonly featurizers: FeaturizerIds;
}

export interface DatasetTotals {
  /** Hours by split, overall. */
  readonly hours: SplitHours;
  /** Hours by kind and split. */
  readonly byKind: Readonly<Record<ExampleKind, SplitHours>>;
  /** Hours by source folder and split, with file counts. */
  readonly bySource: Readonly<Record<string, SourceFolderHours>>;
}

export interface DatasetIndex {
  readonly format: typeof datasetFormatName;
  readonly version: number;
  readonly settings: DatasetSettings;
  /** Source folders: name -> absolute path and kind. */
  readonly sourceFolders: Readonly<Record<string, { readonly dir: string; readonly kind: ExampleKind }>>;
  /** Examples in key order. */
  readonly examples: readonly ExampleRecord[];
  readonly licenses: readonly LicenseRecord[];
  /** Files that could not be read (corrupt, no audio, ...): skipped with the reason. */
  readonly skipped: readonly SkippedFile[];
  /** Files left out on purpose (--hold-out). */
  readonly heldOut: readonly string[];
  readonly totals: DatasetTotals;
}

/** Reads and checks DIR/index.json. */
export function readDatasetIndex(dir: string): DatasetIndex {
  const kind = { what: 'dataset', formatName: datasetFormatName, version: datasetFormatVersion };
  const { path, index } = readIndexFile<DatasetIndex>(dir, kind);
  if (!Array.isArray(index.examples) || !index.totals)
    throw new V2meowError('BAD_FORMAT', 'dataset index lacks examples or totals', path);
  return index;
}
