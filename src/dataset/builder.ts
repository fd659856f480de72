// Builds a V2Meow training set (issue 11, part 5): folders of videos with soundtracks and folders of music
// alone -> one example file per source file (example.ts) + index.json. Every example is named by its cache
// key (sources.ts: content hash + featurizer ids), so a rebuild featurizes only new or changed files, and a
// build killed at any point resumes where it stopped: examples are written atomically, one by one, and the
// index is rebuilt from them at the end. Splits are by source file (src/data/split.ts, 80/20 by default).
import { existsSync, mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { licenseTable } from '../data/corpusBuilder.js';
import type { SplitName } from '../data/corpusFormat.js';
import { type FoundLicense, findLicenses } from '../data/licenses.js';
import { resolveHeldOut } from '../data/sourceFiles.js';
import { assignSplit } from '../data/split.js';
import { writeFileAtomic } from '../data/staging.js';
import { V2meowError } from '../errors.js';
import { type ExampleJob, type ExampleResult, skipPathOf } from './example.js';
import {
  createFeaturizerFromSpec,
  type ExampleFeaturizer,
  type FeaturizerSpec,
  featurizerIdsFromSpec,
} from './featurizer.js';
import {
  type DatasetIndex,
  type DatasetSettings,
  datasetFormatName,
  datasetFormatVersion,
  datasetIndexFileName,
  type ExampleRecord,
  examplesFolderName,
} from './format.js';
import { datasetTotals, readExampleMetadata, readSkipRecord } from './indexing.js';
import {
  type DatasetFolder,
  type DatasetSource,
  exampleName,
  listDatasetSources,
  parseDatasetFolders,
  sha256OfFile,
} from './sources.js';
import { inProcessRunner, type JobRunner, processPoolRunner } from './workerPool.js';

/** Train 0.8, validation 0.2 (the paper's 80/20), no test split: evaluation clips are held out apart. */
export const defaultDatasetSplit: Readonly<Record<SplitName, number>> = {
  train: 0.8,
  validation: 0.2,
  test: 0,
};

export interface BuildDatasetOptions {
  /** Folders of videos with soundtracks (DIR or NAME=DIR): paired examples. */
  readonly videos?: readonly string[];
  /** Folders of music (DIR or NAME=DIR): music-only examples. */
  readonly music?: readonly string[];
  readonly outDir: string;
  /**
   * The featurizer: an object (runs in this process) or a spec that each of `jobs` worker processes loads.
   * A spec with jobs 1 is loaded in this process.
   */
  readonly featurizer: ExampleFeaturizer | FeaturizerSpec;
  /** Files featurized at once (worker processes for a spec; overlapping decodes for an object). Default 1. */
  readonly jobs?: number;
  /** Seed of the split hash (default 0). */
  readonly seed?: number;
  /** Fractions of source files per split (default defaultDatasetSplit). */
  readonly split?: Readonly<Record<SplitName, number>>;
  /** Files or folders left out of every split (evaluation clips). */
  readonly heldOut?: readonly string[];
  /** Stops between files; what is finished stays for the next run. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: DatasetProgressEvent) => void;
}

export type DatasetProgressEvent =
  | { readonly kind: 'scan'; readonly files: number; readonly cached: number; readonly heldOut: number }
  | {
      readonly kind: 'file';
      readonly done: number;
      readonly total: number;
      readonly key: string;
      readonly status: 'built' | 'skipped';
      readonly durationSec: number;
      readonly seconds: number;
      readonly reason?: string;
    }
  | { readonly kind: 'warning'; readonly message: string };

/** What a build did, beside the index it wrote. */
export interface BuildDatasetResult {
  readonly index: DatasetIndex;
  /** Files featurized (or found unreadable) in this run. */
  readonly processed: number;
  /** Files whose example (or skip record) was already there. */
  readonly cached: number;
  /** Example files of earlier builds no source refers to any more, removed. */
  readonly removed: number;
}

function isSpec(featurizer: ExampleFeaturizer | FeaturizerSpec): featurizer is FeaturizerSpec {
  return typeof (featurizer as FeaturizerSpec).module === 'string';
}

function checkSplit(split: Readonly<Record<SplitName, number>>): void {
  const values = Object.values(split);
  const sum = values.reduce((a, b) => a + b, 0);
  if (values.some((v) => !(v >= 0)) || Math.abs(sum - 1) > 1e-6)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `split fractions must be >= 0 and sum to 1, got ${JSON.stringify(split)}`,
    );
}

function prepareOutput(outDir: string): void {
  try {
    mkdirSync(join(outDir, examplesFolderName), { recursive: true });
    const probe = join(outDir, `.write-probe-${process.pid}`);
    writeFileAtomic(probe, 'ok');
    unlinkSync(probe);
  } catch (error) {
    throw new V2meowError(
      'NOT_WRITABLE',
      `cannot write the dataset here (${(error as Error).message})`,
      outDir,
      {
        cause: error,
      },
    );
  }
}

/** A file's state before the featurizing phase. */
interface Planned {
  readonly file: DatasetSource;
  readonly job: ExampleJob;
  cached: boolean;
}

/** True when a previous run left a usable example or skip record for `job` (a damaged one is removed). */
function isCached(job: ExampleJob): boolean {
  if (existsSync(job.outPath)) {
    try {
      readExampleMetadata(job.outPath);
      return true;
    } catch {
      rmSync(job.outPath, { force: true });
    }
  }
  return existsSync(skipPathOf(job.outPath)) && readSkipRecord(skipPathOf(job.outPath)) !== undefined;
}

/** Builds (or updates, or resumes) the dataset in `outDir`; resolves once index.json is written. */
export async function buildDataset(options: BuildDatasetOptions): Promise<BuildDatasetResult> {
  const report = options.onProgress ?? (() => {});
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new V2meowError('BAD_ARGUMENT', `--jobs ${jobs}: want a whole number >= 1`);
  const split = options.split ?? defaultDatasetSplit;
  checkSplit(split);
  const seed = options.seed ?? 0;
  const folders = parseDatasetFolders(options.videos ?? [], options.music ?? []);
  const heldOutPaths = resolveHeldOut(options.heldOut ?? []);
  prepareOutput(options.outDir);

  const listed = listDatasetSources(folders, heldOutPaths);
  for (const dir of listed.emptyFolders)
    report({ kind: 'warning', message: `${dir}: no candidate files, skipped` });
  // The featurizer's ids name the examples; models are loaded only when some file needs featurizing.
  const spec = isSpec(options.featurizer) ? options.featurizer : undefined;
  let local: ExampleFeaturizer | undefined;
  let runner: JobRunner | undefined;
  try {
    const ids = spec ? await featurizerIdsFromSpec(spec) : (options.featurizer as ExampleFeaturizer).ids;
    const examplesDir = join(options.outDir, examplesFolderName);
    const planned: Planned[] = listed.files.map((file) => {
      const contentSha256 = sha256OfFile(file.path);
      const outPath = join(examplesDir, `${exampleName(file, contentSha256, ids)}.safetensors`);
      const job: ExampleJob = {
        path: file.path,
        key: file.key,
        source: file.source,
        kind: file.kind,
        contentSha256,
        outPath,
      };
      return { file, job, cached: isCached(job) };
    });
    const pending = planned.filter((entry) => !entry.cached);
    report({
      kind: 'scan',
      files: planned.length,
      cached: planned.length - pending.length,
      heldOut: listed.heldOut.length,
    });

    if (pending.length > 0) {
      if (spec && jobs > 1) runner = await processPoolRunner(spec, jobs, ids);
      else {
        local = spec ? await createFeaturizerFromSpec(spec) : (options.featurizer as ExampleFeaturizer);
        if (JSON.stringify(local.ids) !== JSON.stringify(ids))
          throw new V2meowError(
            'FEATURIZE_FAILED',
            `featurizer ids ${JSON.stringify(local.ids)} differ from featurizerIds()`,
          );
        runner = inProcessRunner(local, jobs);
      }
      let next = 0;
      let done = planned.length - pending.length;
      const loop = async (activeRunner: JobRunner) => {
        while (next < pending.length) {
          options.signal?.throwIfAborted();
          const entry = pending[next++]!;
          const started = performance.now();
          const result: ExampleResult = await activeRunner.run(entry.job);
          done++;
          const durationSec = result.status === 'built' ? result.metadata.durationSec : 0;
          if (result.status === 'skipped')
            report({ kind: 'warning', message: `skipped ${entry.file.path}: ${result.reason}` });
          report({
            kind: 'file',
            done,
            total: planned.length,
            key: entry.file.key,
            status: result.status,
            durationSec,
            seconds: (performance.now() - started) / 1000,
            ...(result.status === 'skipped' ? { reason: result.reason } : {}),
          });
        }
      };
      const activeRunner = runner;
      await Promise.all(Array.from({ length: activeRunner.slots }, () => loop(activeRunner)));
    }
    options.signal?.throwIfAborted();

    const removed = removeUnreferenced(examplesDir, new Set(planned.map((entry) => entry.job.outPath)));
    const settings: DatasetSettings = { seed, split, featurizers: ids };
    const index = writeIndex(options.outDir, folders, planned, listed.heldOut, settings);
    return { index, processed: pending.length, cached: planned.length - pending.length, removed };
  } finally {
    await runner?.close();
    if (spec) local?.dispose();
  }
}

/** Removes example files no source refers to (other featurizers, changed or deleted files) and temp files. */
function removeUnreferenced(examplesDir: string, keep: ReadonlySet<string>): number {
  let removed = 0;
  for (const entry of readdirSync(examplesDir)) {
    const path = join(examplesDir, entry);
    const examplePath = path.replace(/\.skipped\.json$/, '.safetensors');
    if (keep.has(examplePath) && !entry.includes('.tmp-')) continue;
    rmSync(path, { force: true });
    if (!entry.includes('.tmp-')) removed++;
  }
  return removed;
}

/** index.json from the example files and the scan; licences copied to licenses/. */
function writeIndex(
  outDir: string,
  folders: readonly DatasetFolder[],
  planned: readonly Planned[],
  heldOut: readonly string[],
  settings: DatasetSettings,
): DatasetIndex {
  const indexPath = join(outDir, datasetIndexFileName);
  rmSync(indexPath, { force: true });
  rmSync(join(outDir, 'licenses'), { recursive: true, force: true });
  const examples: { entry: Planned; metadata: ReturnType<typeof readExampleMetadata> }[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const entry of planned) {
    if (existsSync(entry.job.outPath))
      examples.push({ entry, metadata: readExampleMetadata(entry.job.outPath) });
    else
      skipped.push({
        path: entry.file.key,
        reason: readSkipRecord(skipPathOf(entry.job.outPath)) ?? 'unknown',
      });
  }
  const licenses = new Map<string, FoundLicense | undefined>();
  for (const folder of folders) {
    const paths = examples
      .filter(({ entry }) => entry.file.root === folder.dir)
      .map(({ entry }) => entry.file.path);
    for (const [path, license] of findLicenses(paths, folder.dir)) licenses.set(path, license);
  }
  const { records, idOf } = licenseTable(
    outDir,
    examples.map(({ entry }) => licenses.get(entry.file.path)),
  );
  const records2: ExampleRecord[] = examples.map(({ entry, metadata }) => ({
    file: `${examplesFolderName}/${entry.job.outPath.split('/').at(-1)}`,
    key: entry.file.key,
    source: entry.file.source,
    kind: entry.file.kind,
    split: assignSplit(entry.file.key, settings.seed, settings.split),
    durationSec: metadata.durationSec,
    numSemanticFrames: metadata.numSemanticFrames,
    licenseId: idOf(licenses.get(entry.file.path)),
    visualStreams: Object.keys(metadata.visualStreams).sort() as ExampleRecord['visualStreams'],
  }));
  const index: DatasetIndex = {
    format: datasetFormatName,
    version: datasetFormatVersion,
    settings,
    sourceFolders: Object.fromEntries(
      folders.map((folder) => [folder.name, { dir: folder.dir, kind: folder.kind }]),
    ),
    examples: records2,
    licenses: records,
    skipped,
    heldOut: [...heldOut],
    totals: datasetTotals(records2),
  };
  writeFileAtomic(indexPath, `${JSON.stringify(index, null, 1)}\n`);
  return index;
}
