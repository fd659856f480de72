// The on-disk format of a training corpus (issue 7, part 2): fixed-length mono segments stored as PCM16
// little-endian in shard files, described by one versioned JSON index (OUT_DIR/index.json). Shards of one
// split hold segments shuffled across source files; a segment never spans two sources. Splits, hours, licence
// records and the reading of index.json are shared with the training set's format (indexCommon.ts).
import { isAbsolute, normalize, sep } from 'node:path';
import { V2meowError } from '../errors.js';
import {
  type LicenseRecord,
  readIndexFile,
  type SkippedFile,
  type SourceFolderHours,
  type SplitFractions,
  type SplitHours,
  type SplitName,
} from './indexCommon.js';

export {
  indexFileName,
  type LicenseRecord,
  type SplitFractions,
  type SplitName,
  splitNames,
} from './indexCommon.js';

export const corpusFormatName = 'v2meow-corpus';
export const corpusFormatVersion = 1;

/** Settings a corpus was built with; a resumed build must use the same ones. */
export interface CorpusSettings {
  /** Sample rate of every segment, Hz. */
  readonly sampleRateHz: number;
  /** Length of every segment, seconds. */
  readonly segmentSeconds: number;
  /** Length of every segment, samples (= round(segmentSeconds * sampleRateHz)). */
  readonly segmentSamples: number;
  /** Fraction of source files assigned to each split. */
  readonly split: SplitFractions;
  /** Seed of the split hash and of the shard shuffle. */
  readonly seed: number;
  /** Segments whose RMS is below this level (dB re full scale) are dropped as silence. */
  readonly silenceThresholdDb: number;
  /** Segments per shard file (the last shard of a split holds fewer). */
  readonly segmentsPerShard: number;
}

/** One source audio file. */
export interface SourceRecord {
  /** Index into CorpusIndex.sources; segments refer to it. */
  readonly id: number;
  /** Name of the source folder it came from (e.g. 'warzone2100'). */
  readonly source: string;
  /** `source/relative/path` inside that folder: the key hashed for the split. */
  readonly path: string;
  /** Decoded duration, seconds. */
  readonly durationSeconds: number;
  readonly split: SplitName;
  /** Segments kept (not silent). */
  readonly numSegments: number;
  /** Segments dropped as silence. */
  readonly numSilentSegments: number;
  /** Index into CorpusIndex.licenses, or null when no license file was found. */
  readonly licenseId: number | null;
}

/** One segment inside a shard. */
export interface SegmentRecord {
  /** Index into CorpusIndex.sources. */
  readonly source: number;
  /** Start of the segment in its source, seconds. */
  readonly offsetSeconds: number;
  readonly durationSeconds: number;
}

/** One shard file: numSegments x segmentSamples PCM16 little-endian samples, segment after segment. */
export interface ShardRecord {
  /** File name relative to the corpus folder. */
  readonly file: string;
  readonly split: SplitName;
  readonly numSegments: number;
  readonly segments: readonly SegmentRecord[];
}

/** Hours (and counts) per split, overall and per source folder. */
export interface CorpusTotals {
  readonly hours: SplitHours;
  readonly segments: SplitHours;
  readonly bySource: Readonly<Record<string, SourceFolderHours>>;
}

export interface CorpusIndex {
  readonly format: typeof corpusFormatName;
  readonly version: number;
  readonly createdAt: string;
  readonly settings: CorpusSettings;
  /** Source folders: name -> absolute path at build time. */
  readonly sourceFolders: Readonly<Record<string, string>>;
  readonly sources: readonly SourceRecord[];
  readonly licenses: readonly LicenseRecord[];
  readonly shards: readonly ShardRecord[];
  /** Files that could not be decoded: skipped with a warning. */
  readonly skipped: readonly SkippedFile[];
  /** Source folders that held no candidate audio file. */
  readonly emptyFolders: readonly string[];
  /** Files excluded on purpose (--hold-out), e.g. evaluation clips. */
  readonly heldOut: readonly string[];
  readonly totals: CorpusTotals;
}

/** Bytes per stored sample (PCM16). */
export const bytesPerSample = 2;

/**
 * True for a shard file name that stays inside the corpus folder: relative, no '..' part, no folder
 * separators at all (shards are written beside index.json), not hidden.
 */
export function isShardFileName(file: unknown): file is string {
  return (
    typeof file === 'string' &&
    file.length > 0 &&
    !isAbsolute(file) &&
    !file.includes('/') &&
    !file.includes('\\') &&
    !file.includes(sep) &&
    !file.startsWith('.') &&
    normalize(file) === file
  );
}

/** Reads and checks OUT_DIR/index.json (shard paths confined to the folder). */
export function readCorpusIndex(corpusDir: string): CorpusIndex {
  const kind = { what: 'corpus', formatName: corpusFormatName, version: corpusFormatVersion };
  const { path, index } = readIndexFile<CorpusIndex>(corpusDir, kind);
  if (!Array.isArray(index.shards) || !Array.isArray(index.sources) || !index.settings?.segmentSamples)
    throw new V2meowError('BAD_FORMAT', 'corpus index lacks shards, sources or settings', path);
  for (const shard of index.shards) {
    if (typeof shard !== 'object' || shard === null || !Array.isArray(shard.segments))
      throw new V2meowError('BAD_FORMAT', 'corpus index has a shard without segments', path);
    if (!isShardFileName(shard.file))
      throw new V2meowError(
        'BAD_FORMAT',
        `shard file '${String(shard.file)}' is not a file inside the corpus folder`,
        path,
      );
  }
  return index;
}
