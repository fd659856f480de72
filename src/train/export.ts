// `v2meow train export`: assembles a model bundle folder (src/weights/bundle.ts) from trained parts: stage
// checkpoints (their optimizer state dropped), the codec file, the semantic tokenizer folder and the text
// style files, with bundle.json listing each part's id, the token streams it reads and writes, and its
// provenance (steps, recipe, data hours by source, validation figures, commit). What a part reads and writes
// comes from a describer registered for its model file kind (one line per kind: registerPartDescriber), so
// the stages plug in without changes here. Everything is checked before anything is written, and the folder
// appears whole or not at all (built beside it, then renamed).
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SoundStreamCodecConfig } from '../codec/soundstream.js';
import { hopSamples } from '../codec/soundstreamNet.js';
import { readCorpusIndex } from '../data/corpusFormat.js';
import { V2meowError } from '../errors.js';
import {
  loadSafetensors,
  type ModelFile,
  readModelInfo,
  saveSafetensors,
  type Tensor,
} from '../torch/index.js';
import { readSafetensorsHeader } from '../torch/io/safetensors.js';
import { gitCommit } from '../util/git.js';
import {
  type BundleManifest,
  type BundlePart,
  bundleFormat,
  bundleVersion,
  checkBundleManifest,
  type GenerationDefaults,
  pathBytes,
  type StreamUse,
  writeBundleManifest,
} from '../weights/bundle.js';
import { runFiles } from './loop.js';
import { readLog } from './trainLog.js';

/** What a part is, read from its model file: its id and the token streams it reads and writes. */
export interface PartDescription {
  readonly id: string;
  readonly reads?: Readonly<Record<string, StreamUse>>;
  readonly writes?: Readonly<Record<string, StreamUse>>;
}

/** Describes a model file of one kind from its header (config and provenance; no weights loaded). */
export type PartDescriber = (file: ModelFile<unknown>) => PartDescription;

const describers = new Map<string, PartDescriber>();

/** Registers how model files of `kind` are described in bundles (stage files: one line per stage). */
export function registerPartDescriber(kind: string, describer: PartDescriber): void {
  describers.set(kind, describer);
}

// The codec reads and writes all its levels of the acoustic stream; its config id names the token space.
registerPartDescriber('codec', (file) => {
  const c = file.config as SoundStreamCodecConfig;
  const acoustic: StreamUse = {
    tokenizerId: c.id,
    vocabularySize: c.codebookSize,
    numLevels: c.numCodebooks,
    frameRateHz: c.sampleRateHz / hopSamples(c.net),
  };
  return { id: c.id, reads: { acoustic }, writes: { acoustic } };
});

/** AdamW's moments in a checkpoint (AdamW.stateDict: m.<group>.<index>, v.<group>.<index>). */
export function isOptimizerTensorName(name: string): boolean {
  return /^[mv]\.\d+\.\d+$/.test(name);
}

/** A part to put into the bundle. */
export interface BundlePartSource {
  /** Role in the bundle: 'stage1', 'stage2', 'stage3', 'semanticTokenizer', 'codec', 'textStyle', ... */
  readonly role: string;
  /** A checkpoint or model file (.safetensors), or a folder (semantic tokenizer, text style files). */
  readonly source: string;
}

export interface ExportBundleOptions {
  /** The bundle folder to create (must not exist, or be empty). */
  readonly outDir: string;
  /** Name for people (default: the folder's name). */
  readonly name?: string;
  readonly parts: readonly BundlePartSource[];
  /** Roles that must be among the parts (default none; the CLI asks for the whole pipeline). */
  readonly requiredRoles?: readonly string[];
  /** Anything else to record in the bundle's provenance (a note, the command). */
  readonly provenance?: Readonly<Record<string, unknown>>;
  /** Generation settings of these weights (bundle.json `generation`: decoded levels, sampling per stage). */
  readonly generation?: GenerationDefaults;
  /** Store the float32 weights of these roles' model files as float16 (loading casts them back). */
  readonly halfPrecisionRoles?: readonly string[];
}

/** The model file that stands for a folder part: its first .safetensors file in v2meow format, if any. */
function folderModelFile(dir: string): string | null {
  for (const name of readdirSync(dir).sort())
    if (name.endsWith('.safetensors')) {
      const path = join(dir, name);
      if (readSafetensorsHeader(path).metadata.format === 'v2meow') return path;
    }
  return null;
}

/** Data hours by source of a part's provenance: `data.hoursBySource`, or the train split of its corpus. */
function dataHoursBySource(provenance: Record<string, unknown>): Record<string, number> | undefined {
  const data = provenance.data as { hoursBySource?: Record<string, number> } | undefined;
  if (data?.hoursBySource) return data.hoursBySource;
  const corpus = provenance.corpus as string | { bySource?: Record<string, { train: number }> } | undefined;
  let bySource: Record<string, { train: number }> | undefined;
  if (typeof corpus === 'string' && existsSync(join(corpus, 'index.json')))
    bySource = readCorpusIndex(corpus).totals.bySource;
  else if (typeof corpus === 'object') bySource = corpus.bySource;
  return bySource
    ? Object.fromEntries(Object.entries(bySource).map(([source, hours]) => [source, hours.train]))
    : undefined;
}

/** Validation figures of a checkpoint: its best score and the validation record of its step in log.jsonl. */
function validationFigures(
  source: string,
  provenance: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const training = provenance.training as
    | { bestValidationScore?: number; validationScoreName?: string }
    | undefined;
  const log = join(dirname(source), runFiles.log);
  const record = existsSync(log)
    ? readLog(log)
        .filter((r) => r.step <= Number(provenance.steps) && r.validationScore !== undefined)
        .at(-1)
    : undefined;
  if (!training && !record) return undefined;
  const figures = Object.fromEntries(
    Object.entries(record ?? {}).filter(([k]) => k.startsWith('validation')),
  );
  return {
    bestScore: training?.bestValidationScore,
    scoreName: training?.validationScoreName,
    ...(record ? { atStep: record.step, ...figures } : {}),
  };
}

/**
 * The provenance of a trained part recorded in the bundle (undefined fields left out); `modelFile` is the
 * part's model file (the source, or the model file inside a folder source), beside which a log may lie.
 */
function partProvenance(
  source: string,
  modelFile: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    source,
    steps: extra.steps,
    recipe: extra.recipe,
    optimization: extra.optimization,
    dataHoursBySource: dataHoursBySource(extra),
    validation: validationFigures(modelFile, extra),
    trainedAtCommit: extra.gitCommit,
    savedAt: extra.savedAt,
  };
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

interface PlannedPart {
  readonly role: string;
  readonly source: string;
  readonly isFolder: boolean;
  /** Path inside the bundle. */
  readonly path: string;
  readonly kind: string;
  readonly description: PartDescription;
  readonly provenance: Record<string, unknown>;
}

/** Reads what each source is (headers only) and checks the parts against each other. */
function planParts(o: ExportBundleOptions, manifestPath: string): PlannedPart[] {
  const roles = new Set<string>();
  const planned = o.parts.map((part): PlannedPart => {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(part.role))
      throw new V2meowError('BAD_ARGUMENT', `part role '${part.role}': letters, digits, - and _`);
    if (roles.has(part.role)) throw new V2meowError('BAD_ARGUMENT', `part '${part.role}' given twice`);
    roles.add(part.role);
    if (!existsSync(part.source))
      throw new V2meowError('FILE_NOT_FOUND', `part '${part.role}' does not exist`, part.source);
    const isFolder = statSync(part.source).isDirectory();
    const modelFile = isFolder ? folderModelFile(part.source) : part.source;
    const info = modelFile ? readModelInfo<unknown>(modelFile) : null;
    const kind = info?.kind ?? part.role;
    const describer = describers.get(kind);
    const description = describer && info ? describer(info) : { id: kind };
    return {
      role: part.role,
      source: part.source,
      isFolder,
      path: isFolder ? part.role : `${part.role}.safetensors`,
      kind,
      description,
      provenance:
        info && modelFile ? partProvenance(part.source, modelFile, info.extra) : { source: part.source },
    };
  });
  for (const role of o.requiredRoles ?? [])
    if (!roles.has(role)) throw new V2meowError('BAD_ARGUMENT', `the bundle needs a part '${role}'`);
  checkBundleManifest(
    manifestOf(o, planned, () => 0),
    manifestPath,
  );
  return planned;
}

function manifestOf(
  o: ExportBundleOptions,
  planned: readonly PlannedPart[],
  bytesOf: (p: PlannedPart) => number,
  hashOf: (p: PlannedPart) => string | undefined = () => undefined,
): BundleManifest {
  const parts: Record<string, BundlePart> = {};
  for (const p of planned) {
    const sha256 = hashOf(p);
    parts[p.role] = {
      path: p.path,
      kind: p.kind,
      // a part's id names its trained weights: the model id and a content hash, when there is a file
      id: sha256 ? `${p.description.id}@${sha256.slice(0, 12)}` : p.description.id,
      bytes: bytesOf(p),
      ...(sha256 ? { sha256 } : {}),
      ...(p.description.reads ? { reads: p.description.reads } : {}),
      ...(p.description.writes ? { writes: p.description.writes } : {}),
      provenance: p.provenance,
    };
  }
  const dataHours = Object.fromEntries(
    planned
      .filter((p) => p.provenance.dataHoursBySource)
      .map((p) => [p.role, p.provenance.dataHoursBySource]),
  );
  return {
    format: bundleFormat,
    version: bundleVersion,
    name: o.name ?? basename(o.outDir),
    createdAt: new Date().toISOString(),
    parts,
    provenance: { gitCommit: gitCommit(), dataHoursBySource: dataHours, ...o.provenance },
    ...(o.generation ? { generation: o.generation } : {}),
  };
}

/**
 * Copies a model file without tensors of the optimizer (same metadata: config and provenance); `half` stores
 * its float32 tensors as float16.
 */
function copyWithoutOptimizer(source: string, destination: string, half = false): void {
  const { tensors, metadata } = loadSafetensors(source);
  const made: Tensor[] = [];
  try {
    const kept = new Map(
      [...tensors]
        .filter(([name]) => !isOptimizerTensorName(name))
        .map(([name, t]) => {
          if (!half || t.dtype !== 'float32') return [name, t] as const;
          const h = t.cast('float16');
          made.push(h);
          return [name, h] as const;
        }),
    );
    saveSafetensors(destination, kept, metadata);
  } finally {
    for (const t of [...tensors.values(), ...made]) t.dispose();
  }
}

/**
 * Writes the bundle folder `o.outDir`: one file or folder per part, bundle.json, and the training logs and
 * loss plots found beside checkpoints (logs/ROLE.log.jsonl, logs/ROLE.loss.png). Returns the manifest.
 * Throws before writing anything for a missing source, a duplicate or missing role, parts that do not fit
 * together, or an output folder that is not empty or whose parent does not exist.
 */
export async function exportBundle(o: ExportBundleOptions): Promise<BundleManifest> {
  const manifestPath = join(o.outDir, 'bundle.json');
  if (!existsSync(dirname(o.outDir)))
    throw new V2meowError('FILE_NOT_FOUND', `folder ${dirname(o.outDir)} does not exist`, o.outDir);
  if (existsSync(o.outDir) && (!statSync(o.outDir).isDirectory() || readdirSync(o.outDir).length > 0))
    throw new V2meowError('CONFLICT', 'exists and is not an empty folder', o.outDir);
  if (o.parts.length === 0) throw new V2meowError('BAD_ARGUMENT', 'no parts to bundle', o.outDir);
  const planned = planParts(o, manifestPath);
  const building = `${o.outDir}.tmp-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building);
  try {
    for (const p of planned) {
      const destination = join(building, p.path);
      if (p.isFolder) cpSync(p.source, destination, { recursive: true });
      else copyWithoutOptimizer(p.source, destination, o.halfPrecisionRoles?.includes(p.role));
      if (p.isFolder) continue;
      for (const [file, suffix] of [
        [runFiles.log, 'log.jsonl'],
        [runFiles.plot, 'loss.png'],
      ] as const) {
        const beside = join(dirname(p.source), file);
        if (!existsSync(beside)) continue;
        mkdirSync(join(building, 'logs'), { recursive: true });
        copyFileSync(beside, join(building, 'logs', `${p.role}.${suffix}`));
      }
    }
    const manifest = manifestOf(
      o,
      planned,
      (p) => pathBytes(join(building, p.path)),
      (p) =>
        p.isFolder
          ? undefined
          : createHash('sha256')
              .update(readFileSync(join(building, p.path)))
              .digest('hex'),
    );
    await writeBundleManifest(building, manifest);
    if (existsSync(o.outDir)) rmSync(o.outDir, { recursive: true });
    renameSync(building, o.outDir);
    return manifest;
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
}
