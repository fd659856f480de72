// Builds a training corpus for the music codec (issue 7, part 2): folders of audio -> shuffled fixed-length
// PCM16 shards + index.json. Phase 1 decodes each source file once into resumable staging (staging.ts);
// phase 2 shuffles segments into shards per split (shardWriter.ts); last, the index with per-file licenses
// (licenses.ts) and hours per split and per source is written and the staging removed.
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import {
  type CorpusIndex,
  type CorpusSettings,
  type CorpusTotals,
  corpusFormatName,
  corpusFormatVersion,
  indexFileName,
  type LicenseRecord,
  type ShardRecord,
  type SourceRecord,
  type SplitFractions,
  type SplitName,
} from './corpusFormat.js';
import { type AudioDecoder, defaultDecoder } from './decode.js';
import { type FoundLicense, findLicenses } from './licenses.js';
import { floatToPcm16 } from './pcm16.js';
import { writeShards } from './shardWriter.js';
import {
  listSourceFiles,
  parseSourceFolders,
  resolveHeldOut,
  type SourceFile,
  type SourceFolder,
} from './sourceFiles.js';
import { assignSplit, defaultSplit } from './split.js';
import {
  cutSegments,
  prepareStaging,
  readStaged,
  type StagedSource,
  stagingDir,
  writeFileAtomic,
  writeStaged,
} from './staging.js';

export interface BuildCorpusOptions {
  /** Source folders: paths, `NAME=PATH` strings, or named folders. */
  readonly sources: readonly (string | SourceFolder)[];
  /** Output folder (created if missing). */
  readonly outDir: string;
  /** Segment length, seconds (default 2). */
  readonly segmentSeconds?: number;
  /** Corpus sample rate, Hz (default 16000). */
  readonly sampleRateHz?: number;
  /** Fractions of source files per split (default 0.9 / 0.05 / 0.05). */
  readonly split?: SplitFractions;
  /** Seed of the split hash and the shuffle (default 0). */
  readonly seed?: number;
  /** Files or folders to leave out of every split (evaluation clips, non-music). */
  readonly heldOut?: readonly string[];
  /** Segments quieter than this RMS level, dB re full scale, are dropped (default -60). */
  readonly silenceThresholdDb?: number;
  /** Segments per shard file (default 512: 32 MiB of 2 s segments at 16 kHz). */
  readonly segmentsPerShard?: number;
  /** Files decoded at once (ffmpeg child processes; default 2). */
  readonly jobs?: number;
  /** Decoder (default: ffmpeg); tests inject one. */
  readonly decode?: AudioDecoder;
  /** Stops the build between source files; the staging stays for a resumed build. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: BuildProgressEvent) => void;
}

export type BuildProgressEvent =
  | {
      readonly kind: 'scan';
      readonly files: number;
      readonly heldOut: number;
      readonly emptyFolders: string[];
    }
  | {
      readonly kind: 'source';
      readonly done: number;
      readonly total: number;
      readonly key: string;
      readonly status: 'decoded' | 'resumed' | 'skipped';
      readonly split: SplitName;
      readonly durationSeconds: number;
      readonly numSegments: number;
      readonly reason?: string;
    }
  | { readonly kind: 'shard'; readonly file: string; readonly done: number; readonly total: number }
  | { readonly kind: 'warning'; readonly message: string };

function settingsFrom(options: BuildCorpusOptions): CorpusSettings {
  const sampleRateHz = options.sampleRateHz ?? 16000;
  const segmentSeconds = options.segmentSeconds ?? 2;
  const segmentsPerShard = options.segmentsPerShard ?? 512;
  if (!Number.isInteger(sampleRateHz) || sampleRateHz < 1000 || sampleRateHz > 192000)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `sample rate ${sampleRateHz} Hz: want an integer in [1000, 192000]`,
    );
  if (!(segmentSeconds > 0 && segmentSeconds <= 600))
    throw new V2meowError('BAD_ARGUMENT', `segment length ${segmentSeconds} s: want (0, 600]`);
  if (!Number.isInteger(segmentsPerShard) || segmentsPerShard < 1)
    throw new V2meowError('BAD_ARGUMENT', `segments per shard ${segmentsPerShard}: want a positive integer`);
  return {
    sampleRateHz,
    segmentSeconds,
    segmentSamples: Math.round(segmentSeconds * sampleRateHz),
    split: options.split ?? defaultSplit,
    seed: options.seed ?? 0,
    silenceThresholdDb: options.silenceThresholdDb ?? -60,
    segmentsPerShard,
  };
}

/** Creates `outDir` and proves it writable, else NOT_WRITABLE naming it. */
function prepareOutput(outDir: string): void {
  try {
    mkdirSync(outDir, { recursive: true });
    const probe = join(outDir, `.write-probe-${process.pid}`);
    writeFileAtomic(probe, 'ok');
    unlinkSync(probe);
  } catch (error) {
    throw new V2meowError(
      'NOT_WRITABLE',
      `cannot write the corpus here (${(error as Error).message})`,
      outDir,
      {
        cause: error,
      },
    );
  }
}

/** Phase 1 for one file: decode, cut, stage. Decoding failures become a staged error, not an exception. */
async function stageSource(
  file: SourceFile,
  outDir: string,
  settings: CorpusSettings,
  decode: AudioDecoder,
): Promise<{ staged: StagedSource; resumed: boolean }> {
  const previous = readStaged(outDir, file);
  if (previous) return { staged: previous, resumed: true };
  const stats = statSync(file.path);
  const base = {
    key: file.key,
    source: file.source,
    sizeBytes: stats.size,
    mtimeMs: stats.mtimeMs,
    split: assignSplit(file.key, settings.seed, settings.split),
  };
  let samples: Float32Array;
  try {
    samples = await decode(file.path, settings.sampleRateHz);
  } catch (error) {
    // V2meowError messages start with the file; the record names the file already.
    const reason = (error instanceof Error ? error.message : String(error)).replace(`${file.path}: `, '');
    const staged = { ...base, durationSeconds: 0, segmentStarts: [], numSilentSegments: 0, error: reason };
    writeStaged(outDir, staged);
    return { staged, resumed: false };
  }
  const { starts, numSilent } = cutSegments(samples, settings.segmentSamples, settings.silenceThresholdDb);
  const pcm = Buffer.allocUnsafe(starts.length * settings.segmentSamples * 2);
  starts.forEach((start, slot) => {
    const segment = samples.subarray(start, start + settings.segmentSamples);
    floatToPcm16(segment).copy(pcm, slot * settings.segmentSamples * 2);
  });
  const staged: StagedSource = {
    ...base,
    durationSeconds: samples.length / settings.sampleRateHz,
    segmentStarts: starts,
    numSilentSegments: numSilent,
  };
  writeStaged(outDir, staged, pcm);
  return { staged, resumed: false };
}

/** Gives each distinct (license file, names) an id and copies its text to licenses/<id>.txt (also used by src/dataset). */
export function licenseTable(
  outDir: string,
  found: readonly (FoundLicense | undefined)[],
): {
  records: LicenseRecord[];
  idOf: (license: FoundLicense | undefined) => number | null;
} {
  const records: LicenseRecord[] = [];
  const ids = new Map<string, number>();
  const keyOf = (license: FoundLicense) => `${license.file}\n${license.names.join(',')}`;
  mkdirSync(join(outDir, 'licenses'), { recursive: true });
  for (const license of found) {
    if (!license || ids.has(keyOf(license))) continue;
    const id = records.length;
    const copy = `licenses/${id}.txt`;
    copyFileSync(license.file, join(outDir, copy));
    ids.set(keyOf(license), id);
    records.push({ id, copy, ...license });
  }
  return { records, idOf: (license) => (license ? ids.get(keyOf(license))! : null) };
}

const hours = (segments: number, settings: CorpusSettings) =>
  Math.round(((segments * settings.segmentSeconds) / 3600) * 10000) / 10000;

/** Hours and segments per split, overall and per source folder. */
export function corpusTotals(sources: readonly SourceRecord[], settings: CorpusSettings): CorpusTotals {
  const zero = () => ({ train: 0, validation: 0, test: 0, all: 0 });
  const segments = zero();
  const bySourceSegments = new Map<string, ReturnType<typeof zero> & { files: number }>();
  for (const source of sources) {
    const entry = bySourceSegments.get(source.source) ?? { ...zero(), files: 0 };
    entry[source.split] += source.numSegments;
    entry.all += source.numSegments;
    entry.files++;
    bySourceSegments.set(source.source, entry);
    segments[source.split] += source.numSegments;
    segments.all += source.numSegments;
  }
  const toHours = (counts: ReturnType<typeof zero>) => ({
    train: hours(counts.train, settings),
    validation: hours(counts.validation, settings),
    test: hours(counts.test, settings),
    all: hours(counts.all, settings),
  });
  const bySource: Record<string, ReturnType<typeof zero> & { files: number }> = {};
  for (const [name, entry] of bySourceSegments) bySource[name] = { ...toHours(entry), files: entry.files };
  return { hours: toHours(segments), segments, bySource };
}

/** Removes the index and shard files of a previous build, so a half-rewritten corpus is never taken as whole. */
function clearPreviousOutput(outDir: string): void {
  rmSync(join(outDir, indexFileName), { force: true });
  rmSync(join(outDir, 'licenses'), { recursive: true, force: true });
  for (const entry of readdirSync(outDir))
    if (entry.endsWith('.pcm16')) rmSync(join(outDir, entry), { force: true });
}

/** Builds (or resumes building) a corpus; resolves to its index, also written to OUT_DIR/index.json. */
export async function buildCorpus(options: BuildCorpusOptions): Promise<CorpusIndex> {
  const settings = settingsFrom(options);
  const report = options.onProgress ?? (() => {});
  const folders = options.sources.map((source) =>
    typeof source === 'string' ? parseSourceFolders([source])[0]! : source,
  );
  if (folders.length === 0) throw new V2meowError('BAD_ARGUMENT', 'no source folder given');
  const heldOutPaths = resolveHeldOut(options.heldOut ?? []);
  prepareOutput(options.outDir);

  const files: SourceFile[] = [];
  const heldOut: string[] = [];
  const emptyFolders: string[] = [];
  const licenses = new Map<string, FoundLicense | undefined>();
  for (const folder of folders) {
    const listed = listSourceFiles(folder, heldOutPaths);
    files.push(...listed.files);
    heldOut.push(...listed.heldOut);
    if (listed.files.length === 0) {
      emptyFolders.push(folder.dir);
      report({ kind: 'warning', message: `${folder.dir}: no candidate audio files, skipped` });
    }
    for (const [path, license] of findLicenses(
      listed.files.map((file) => file.path),
      folder.dir,
    ))
      licenses.set(path, license);
  }
  report({ kind: 'scan', files: files.length, heldOut: heldOut.length, emptyFolders });
  const unlicensed = files.filter((file) => !licenses.get(file.path)).length;
  if (unlicensed > 0)
    report({ kind: 'warning', message: `${unlicensed} file(s) with no license file found` });

  if (prepareStaging(options.outDir, settings))
    report({ kind: 'warning', message: 'discarded the staging of an interrupted build with other settings' });
  const decode = options.decode ?? defaultDecoder;
  const staged = new Array<StagedSource>(files.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      options.signal?.throwIfAborted();
      const position = next++;
      const file = files[position]!;
      const result = await stageSource(file, options.outDir, settings, decode);
      staged[position] = result.staged;
      done++;
      const { error } = result.staged;
      if (error) report({ kind: 'warning', message: `skipped ${file.path}: ${error}` });
      report({
        kind: 'source',
        done,
        total: files.length,
        key: file.key,
        status: error ? 'skipped' : result.resumed ? 'resumed' : 'decoded',
        split: result.staged.split,
        durationSeconds: result.staged.durationSeconds,
        numSegments: result.staged.segmentStarts.length,
        ...(error ? { reason: error } : {}),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 2) }, worker));
  options.signal?.throwIfAborted();

  const decoded = files
    .map((file, position) => ({ file, staged: staged[position]! }))
    .filter((s) => !s.staged.error);
  clearPreviousOutput(options.outDir);
  const { records: licenseRecords, idOf } = licenseTable(
    options.outDir,
    decoded.map(({ file }) => licenses.get(file.path)),
  );
  const sources: SourceRecord[] = decoded.map(({ file, staged: entry }, id) => ({
    id,
    source: file.source,
    path: file.key,
    durationSeconds: Math.round(entry.durationSeconds * 1000) / 1000,
    split: entry.split,
    numSegments: entry.segmentStarts.length,
    numSilentSegments: entry.numSilentSegments,
    licenseId: idOf(licenses.get(file.path)),
  }));
  if (sources.every((source) => source.numSegments === 0))
    throw new V2meowError('EMPTY_CORPUS', 'no audio segments: every source was empty, silent or unreadable');

  const shards: ShardRecord[] = writeShards(
    options.outDir,
    settings,
    decoded.map(({ file, staged: entry }, id) => ({
      id,
      key: file.key,
      split: entry.split,
      segmentStarts: entry.segmentStarts,
    })),
    (file, shardsDone, total) => report({ kind: 'shard', file, done: shardsDone, total }),
  );
  const index: CorpusIndex = {
    format: corpusFormatName,
    version: corpusFormatVersion,
    createdAt: new Date().toISOString(),
    settings,
    sourceFolders: Object.fromEntries(folders.map((folder) => [folder.name, folder.dir])),
    sources,
    licenses: licenseRecords,
    shards,
    skipped: staged
      .filter((entry) => entry.error)
      .map((entry) => ({ path: entry.key, reason: entry.error! })),
    emptyFolders,
    heldOut,
    totals: corpusTotals(sources, settings),
  };
  writeFileAtomic(join(options.outDir, indexFileName), `${JSON.stringify(index, null, 1)}\n`);
  rmSync(stagingDir(options.outDir), { recursive: true, force: true });
  return index;
}
