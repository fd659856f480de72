// A model bundle: the folder `V2Meow.fromPretrained(dir)` loads, holding every part of the pipeline (the three
// stages, the semantic tokenizer, the codec, the text style files) and bundle.json, which lists the parts with
// their ids, the token streams each reads and writes (tokenizer id, vocabulary size, levels, frame rate) and
// their provenance. Reading a bundle checks once that the parts fit together (as audiolm-pytorch asserts
// num_coarse + num_fine == codec levels at construction): the format version, every listed file present with
// its size, and the same stream described alike by every part that uses it. Generic over parts: a part is a
// role, a file or folder, and its streams, so stages can be added without changing this file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import { writeFileAtomically } from '../media/atomicFile.js';

export const bundleFormat = 'v2meow-bundle';
/** Version of bundle.json this code reads and writes. */
export const bundleVersion = 1;
export const bundleManifestFile = 'bundle.json';

/** Roles of a complete V2Meow bundle (other roles may be listed too). */
export const pipelineRoles = [
  'stage1',
  'stage2',
  'stage3',
  'semanticTokenizer',
  'codec',
  'textStyle',
] as const;

/**
 * Roles a bundle must have to generate: all but stage 3, which a bundle may leave out when it decodes the coarse
 * levels alone (`generation.decodeLevels` at most stage 2's levels; checked when it is loaded).
 */
export const requiredPipelineRoles = pipelineRoles.filter((role) => role !== 'stage3');

/** How one part uses a token stream; every part naming a stream must describe it alike. */
export interface StreamUse {
  /** The tokenizer or codec whose tokens these are (SemanticTokenizer.id, the codec config's id). */
  readonly tokenizerId: string;
  /** Token ids per level are 0..vocabularySize-1. */
  readonly vocabularySize: number;
  /** Levels of the whole stream (the codec's 12 RVQ levels; 1 for semantic tokens). */
  readonly numLevels: number;
  /** Frames per second (25 semantic, 50 acoustic). */
  readonly frameRateHz: number;
  /** The levels [first, first + count) this part reads or writes; default all. */
  readonly levels?: readonly [number, number];
}

/** One part of a bundle. */
export interface BundlePart {
  /** File or folder, relative to the bundle folder. */
  readonly path: string;
  /** What it holds: the model file kind ('stage1', 'codec', 'semantic-musicnn-kmeans', ...). */
  readonly kind: string;
  /** Identity of the trained part (a model id, or kind and content hash). */
  readonly id: string;
  /** Bytes of the file (of all files, for a folder); checked when the bundle is read. */
  readonly bytes: number;
  /** sha256 of the file's content (files only). */
  readonly sha256?: string;
  /** Token streams it reads, by stream name ('semantic', 'acoustic'). */
  readonly reads?: Readonly<Record<string, StreamUse>>;
  /** Token streams it writes, by stream name. */
  readonly writes?: Readonly<Record<string, StreamUse>>;
  /** How it was made: steps, recipe, data hours by source, validation figures, commit. */
  readonly provenance?: Readonly<Record<string, unknown>>;
}

/** bundle.json. */
/** Sampling settings of one stage (any left out: the stage config's, or the sampler's default). */
export interface StageSamplingDefaults {
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  /** Tokens never sampled (stage 1: semantic ids). */
  readonly suppress?: readonly number[];
  /** Codec codes never sampled, per level of the stage (stages 2 and 3), e.g. the near-silent codes. */
  readonly suppressPerLevel?: readonly (readonly number[])[];
  /**
   * Stage 2 only: its own guidance scale (a stage 2 that reads the style), instead of generation.guidance; a
   * request's guidance still sets both.
   */
  readonly guidanceScale?: number;
}

/**
 * How the bundle's model generates unless a request says otherwise: settings measured for these weights travel
 * with them (chosen on the training set's validation split, never on evaluation clips).
 */
export interface GenerationDefaults {
  /** Codec levels decoded: the coarse levels alone (stage 2's count) skip stage 3. Default: every level. */
  readonly decodeLevels?: number;
  readonly sampling?: Readonly<Partial<Record<'stage1' | 'stage2' | 'stage3', StageSamplingDefaults>>>;
  /** Classifier-free guidance scale on the conditions (a request's `guidance` overrides; 1 = none). */
  readonly guidance?: number;
  /** What guidance's unconditional rows drop: 'video', 'style' or 'all' (default). */
  readonly guidanceDrop?: 'video' | 'style' | 'all';
  /**
   * A text's style token is the mean style of the k training examples nearest it (the bundle's 'stylePrior'
   * part, src/generate/stylePrior.ts); 0 or absent: the text's own vector. A request's stylePriorK overrides.
   */
  readonly stylePriorK?: number;
  /**
   * With the style prior: each candidate continues the style prompt (2 s of tokens) of one of the k nearest
   * training examples (candidate r: the r-th nearest, cyclically); the output never contains the prompt.
   */
  readonly stylePrompt?: boolean;
  /** Why, with the measurement behind it. */
  readonly note?: string;
}

export interface BundleManifest {
  readonly format: typeof bundleFormat;
  readonly version: number;
  /** A name for people (e.g. 'v2meow-small-2026-12'). */
  readonly name: string;
  /** ISO time of the export. */
  readonly createdAt: string;
  /** Parts by role ('stage1', 'codec', ...). */
  readonly parts: Readonly<Record<string, BundlePart>>;
  /** Of the bundle as a whole: the commit that exported it, data hours by source, notes. */
  readonly provenance: Readonly<Record<string, unknown>>;
  /** Generation settings of these weights (absent: every level, the stages' own temperatures). */
  readonly generation?: GenerationDefaults;
}

export interface ReadBundleOptions {
  /** Roles that must be present (default: none; `pipelineRoles` for generation). */
  readonly requiredRoles?: readonly string[];
  /** Check that part files exist with their recorded sizes (default true). */
  readonly checkFiles?: boolean;
}

const numericFields = ['vocabularySize', 'numLevels', 'frameRateHz'] as const;

/** Bytes of a file, or of every file under a folder. */
export function pathBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + pathBytes(join(path, name)), 0);
}

/**
 * Checks a manifest's format and version, each part's fields, and that every stream is described alike by
 * all parts that use it. Throws V2meowError naming `file` (the bundle.json) and the part.
 */
export function checkBundleManifest(manifest: unknown, file: string): BundleManifest {
  const fail = (code: 'BAD_FORMAT' | 'VERSION_MISMATCH' | 'SHAPE_MISMATCH', message: string): never => {
    throw new V2meowError(code, message, file);
  };
  const m = manifest as Partial<BundleManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== bundleFormat)
    fail('BAD_FORMAT', 'not a v2meow bundle manifest');
  if (m!.version !== bundleVersion)
    fail('VERSION_MISMATCH', `bundle version ${m!.version}, this v2meow reads version ${bundleVersion}`);
  if (!m!.parts || typeof m!.parts !== 'object' || Object.keys(m!.parts).length === 0)
    fail('BAD_FORMAT', 'the bundle lists no parts');
  const g = m!.generation;
  if (g !== undefined) {
    if (!g || typeof g !== 'object') fail('BAD_FORMAT', 'generation is not an object');
    if (g.decodeLevels !== undefined && !(Number.isInteger(g.decodeLevels) && g.decodeLevels >= 1))
      fail('BAD_FORMAT', `generation.decodeLevels ${g.decodeLevels}: a whole number >= 1`);
    if (g.guidance !== undefined && !(typeof g.guidance === 'number' && g.guidance >= 0 && g.guidance <= 20))
      fail('BAD_FORMAT', `generation.guidance ${g.guidance}: a number from 0 to 20`);
    if (g.stylePriorK !== undefined && !(Number.isInteger(g.stylePriorK) && g.stylePriorK >= 0))
      fail('BAD_FORMAT', `generation.stylePriorK ${g.stylePriorK}: a whole number >= 0`);
    if (g.stylePrompt !== undefined && typeof g.stylePrompt !== 'boolean')
      fail('BAD_FORMAT', `generation.stylePrompt ${JSON.stringify(g.stylePrompt)}: true or false`);
    if (g.guidanceDrop !== undefined && !['video', 'style', 'all'].includes(g.guidanceDrop))
      fail('BAD_FORMAT', `generation.guidanceDrop ${JSON.stringify(g.guidanceDrop)}: video, style or all`);
    for (const [stage, s] of Object.entries(g.sampling ?? {})) {
      if (!['stage1', 'stage2', 'stage3'].includes(stage))
        fail('BAD_FORMAT', `generation.sampling.${stage}?`);
      const { temperature, topK, topP, suppress, suppressPerLevel, guidanceScale } = (s ??
        {}) as StageSamplingDefaults;
      // JSON numbers only: a string such as "0.5" would pass the comparisons below
      const num = (x: unknown): x is number => typeof x === 'number';
      if (
        guidanceScale !== undefined &&
        !(stage === 'stage2' && num(guidanceScale) && guidanceScale >= 0 && guidanceScale <= 20)
      )
        fail(
          'BAD_FORMAT',
          `generation.sampling.${stage}.guidanceScale ${guidanceScale}: stage 2 only, 0 to 20`,
        );
      const ids = (x: unknown) => Array.isArray(x) && x.every((id) => Number.isInteger(id) && id >= 0);
      if (suppress !== undefined && !ids(suppress))
        fail('BAD_FORMAT', `generation.sampling.${stage}.suppress: want a list of token ids`);
      if (suppressPerLevel !== undefined && !(Array.isArray(suppressPerLevel) && suppressPerLevel.every(ids)))
        fail(
          'BAD_FORMAT',
          `generation.sampling.${stage}.suppressPerLevel: want a list of code lists, one per level`,
        );
      if (temperature !== undefined && !(num(temperature) && temperature > 0))
        fail('BAD_FORMAT', `generation.sampling.${stage}.temperature ${temperature}: > 0`);
      if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1))
        fail('BAD_FORMAT', `generation.sampling.${stage}.topK ${topK}: a whole number >= 1`);
      if (topP !== undefined && !(num(topP) && topP > 0 && topP <= 1))
        fail('BAD_FORMAT', `generation.sampling.${stage}.topP ${topP}: in (0, 1]`);
    }
  }
  const uses: { role: string; stream: string; how: 'reads' | 'writes'; use: StreamUse }[] = [];
  for (const [role, part] of Object.entries(m!.parts!)) {
    const p = part as Partial<BundlePart>;
    for (const key of ['path', 'kind', 'id'] as const)
      if (typeof p?.[key] !== 'string' || p[key]!.length === 0)
        fail('BAD_FORMAT', `part '${role}' has no ${key}`);
    if (p.path!.split(/[\\/]/).includes('..') || p.path!.startsWith('/'))
      fail('BAD_FORMAT', `part '${role}': path ${p.path} leaves the bundle folder`);
    if (typeof p.bytes !== 'number' || !(p.bytes >= 0)) fail('BAD_FORMAT', `part '${role}' has no size`);
    for (const how of ['reads', 'writes'] as const)
      for (const [stream, use] of Object.entries(p[how] ?? {})) {
        if (typeof use?.tokenizerId !== 'string')
          fail('BAD_FORMAT', `part '${role}' ${how} stream '${stream}' without a tokenizerId`);
        for (const field of numericFields)
          if (!Number.isFinite(use[field]) || !(use[field] > 0))
            fail('BAD_FORMAT', `part '${role}' ${how} stream '${stream}' with ${field} ${use[field]}`);
        if (use.levels !== undefined) {
          const [first, count] = use.levels;
          const ok = Number.isInteger(first) && Number.isInteger(count) && first >= 0 && count >= 1;
          if (!ok || first + count > use.numLevels)
            fail(
              'SHAPE_MISMATCH',
              `part '${role}' ${how} levels ${first}..${first + count - 1} of stream '${stream}', ` +
                `which has ${use.numLevels} levels`,
            );
        }
        uses.push({ role, stream, how, use });
      }
  }
  uses.forEach((a, i) => {
    for (const b of uses.slice(i + 1)) {
      if (a.stream !== b.stream) continue;
      for (const field of ['tokenizerId', ...numericFields] as const)
        if (a.use[field] !== b.use[field])
          fail(
            'SHAPE_MISMATCH',
            `part '${a.role}' ${a.how} stream '${a.stream}' with ${field} ${a.use[field]}, ` +
              `but part '${b.role}' ${b.how} it with ${field} ${b.use[field]}`,
          );
    }
  });
  return m as BundleManifest;
}

/**
 * Reads and checks `dir/bundle.json`: the manifest (checkBundleManifest), the required roles, and each
 * part's file or folder with its recorded size. Errors name the bundle.json and the part.
 */
export function readBundle(dir: string, options: ReadBundleOptions = {}): BundleManifest {
  const file = join(dir, bundleManifestFile);
  if (!existsSync(file))
    throw new V2meowError('MODEL_MISSING', `no ${bundleManifestFile}: not a model bundle`, dir);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new V2meowError('BAD_FORMAT', 'bundle manifest is not JSON', file);
  }
  const manifest = checkBundleManifest(json, file);
  for (const role of options.requiredRoles ?? [])
    if (!manifest.parts[role])
      throw new V2meowError('MODEL_MISSING', `the bundle has no part '${role}'`, file);
  if (options.checkFiles ?? true)
    for (const [role, part] of Object.entries(manifest.parts)) {
      const path = join(dir, part.path);
      if (!existsSync(path))
        throw new V2meowError('MODEL_MISSING', `part '${role}': ${part.path} is missing`, file);
      const bytes = pathBytes(path);
      if (bytes !== part.bytes)
        throw new V2meowError(
          'MODEL_CORRUPT',
          `part '${role}': ${part.path} holds ${bytes} bytes, the manifest says ${part.bytes}`,
          file,
        );
    }
  return manifest;
}

/** Checks `manifest` and writes it as `dir/bundle.json` (atomically); returns the path. */
export async function writeBundleManifest(dir: string, manifest: BundleManifest): Promise<string> {
  const file = join(dir, bundleManifestFile);
  checkBundleManifest(manifest, file);
  await writeFileAtomically(file, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return file;
}
