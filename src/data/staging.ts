// Per-source staging that makes a build resumable. Phase 1 of a build decodes each source file once into
// OUT_DIR/.staging/<hash>.pcm16 (its kept segments, PCM16) and <hash>.json (what they are); both are written
// to a temp file and renamed, the JSON last, so a JSON present means the source is finished. An interrupted
// build finds them and skips those sources. Phase 2 (shardWriter.ts) shuffles staged segments into shards.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CorpusSettings, SplitName } from './corpusFormat.js';
import { rmsDb } from './pcm16.js';
import type { SourceFile } from './sourceFiles.js';

export const stagingFolderName = '.staging';

/** What phase 1 learnt about one source file. */
export interface StagedSource {
  readonly key: string;
  readonly source: string;
  /** Size and modification time of the source when staged: a changed file is decoded again. */
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  readonly split: SplitName;
  readonly durationSeconds: number;
  /** Start of each kept segment, in samples, in staging-file order. */
  readonly segmentStarts: readonly number[];
  readonly numSilentSegments: number;
  /** Set when the file could not be decoded: it is skipped and recorded. */
  readonly error?: string;
}

/** Writes `data` to `path` through a temp file in the same folder and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

export function stagingDir(outDir: string): string {
  return join(outDir, stagingFolderName);
}

function stagedBase(outDir: string, key: string): string {
  return join(stagingDir(outDir), createHash('sha1').update(key).digest('hex').slice(0, 20));
}

export function stagedPcmPath(outDir: string, key: string): string {
  return `${stagedBase(outDir, key)}.pcm16`;
}

/**
 * Creates the staging folder for `settings`. Staging left by an interrupted build with other settings is
 * discarded (returns true then), since its segments would have the wrong length or rate.
 */
export function prepareStaging(outDir: string, settings: CorpusSettings): boolean {
  const dir = stagingDir(outDir);
  const settingsPath = join(dir, 'settings.json');
  const wanted = JSON.stringify(settings);
  let discarded = false;
  if (existsSync(settingsPath) && readFileSync(settingsPath, 'utf8') !== wanted) {
    rmSync(dir, { recursive: true, force: true });
    discarded = true;
  }
  mkdirSync(dir, { recursive: true });
  if (!existsSync(settingsPath)) writeFileAtomic(settingsPath, wanted);
  return discarded;
}

/** The staged record of `file`, when a previous run finished it and the file has not changed since. */
export function readStaged(outDir: string, file: SourceFile): StagedSource | undefined {
  const jsonPath = `${stagedBase(outDir, file.key)}.json`;
  if (!existsSync(jsonPath)) return undefined;
  const staged = JSON.parse(readFileSync(jsonPath, 'utf8')) as StagedSource;
  const stats = statSync(file.path);
  if (staged.key !== file.key || staged.sizeBytes !== stats.size || staged.mtimeMs !== stats.mtimeMs)
    return undefined;
  if (!staged.error && !existsSync(stagedPcmPath(outDir, file.key))) return undefined;
  return staged;
}

/** Records a finished source: its kept segments as PCM16 bytes (absent for a skipped file), then its JSON. */
export function writeStaged(outDir: string, staged: StagedSource, pcm?: Uint8Array): void {
  if (pcm) writeFileAtomic(stagedPcmPath(outDir, staged.key), pcm);
  writeFileAtomic(`${stagedBase(outDir, staged.key)}.json`, JSON.stringify(staged));
}

/**
 * Cuts `samples` into consecutive non-overlapping segments of `segmentSamples` (a trailing remainder is
 * dropped) and keeps those louder than `silenceThresholdDb`. Returns the kept starts, in samples.
 */
export function cutSegments(
  samples: Float32Array,
  segmentSamples: number,
  silenceThresholdDb: number,
): { starts: number[]; numSilent: number } {
  const starts: number[] = [];
  let numSilent = 0;
  for (let start = 0; start + segmentSamples <= samples.length; start += segmentSamples) {
    if (rmsDb(samples, start, segmentSamples) < silenceThresholdDb) numSilent++;
    else starts.push(start);
  }
  return { starts, numSilent };
}
