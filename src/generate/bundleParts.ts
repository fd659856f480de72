// Loading a model bundle's parts (src/weights/bundle.ts) into the pipeline, and the one check that they fit
// together, as audiolm-pytorch asserts at construction: stage 2's coarse levels + stage 3's fine levels are
// the codec's levels, every stage names the codec and the semantic tokenizer it was trained with, and the
// vocabulary sizes, codebook sizes and frame rates agree. Part kinds other than stages and the codec load
// through `partLoaders` (one line per kind, registered by the module that owns the format).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AudioCodec } from '../codec/audioCodec.js';
import { loadCodec } from '../codec/soundstream.js';
import { V2meowError } from '../errors.js';
import { acousticRateHz, audioSampleRateHz, semanticRateHz } from '../features/timeline.js';
import { loadStage } from '../models/modelFile.js';
import type { Stage1 } from '../models/stage1.js';
import type { Stage2 } from '../models/stage2.js';
import type { Stage3 } from '../models/stage3.js';
import { loadSemanticTokenizer, semanticModelKind } from '../tokens/musicnnKmeans.js';
import type { SemanticTokenizer } from '../tokens/semantic.js';
import { type GenerationDefaults, readBundle, requiredPipelineRoles } from '../weights/bundle.js';
import { DebugSemanticTokenizer, LexiconTextStyle } from './debugParts.js';
import type { TextStyleSource } from './parts.js';
import { StylePrior, stylePriorKind } from './stylePrior.js';

/** A codec the pipeline can free. */
export type PipelineCodec = AudioCodec & { dispose(): void };

/** Everything the pipeline runs with. */
export interface PipelineParts {
  /** Bundle name, or 'debug'. */
  readonly name: string;
  readonly stage1: Stage1;
  readonly stage2: Stage2;
  /** Null in a bundle that decodes the coarse levels alone (generation.decodeLevels <= stage 2's levels). */
  readonly stage3: Stage3 | null;
  readonly codec: PipelineCodec;
  readonly semanticTokenizer: SemanticTokenizer;
  readonly textStyle: TextStyleSource;
  /** Text style -> the style of training music near it (optional role 'stylePrior'; generation.stylePriorK). */
  readonly stylePrior?: StylePrior | null;
  /** The bundle's generation settings (bundle.json `generation`). */
  readonly generation?: GenerationDefaults;
}

/** Loaders of part kinds that are folders or files of their own format (semantic tokenizer, text style). */
export const partLoaders = new Map<string, (path: string) => unknown | Promise<unknown>>();

/** Kind of the debug tokenizer as a bundle part (a folder holding tokenizer.json). */
export const debugTokenizerKind = 'debug-loudness-tokenizer';
/** Kind of a text style folder (weights/style's files) as bundle exports write it: its role. */
export const textStyleKind = 'textStyle';
partLoaders.set(debugTokenizerKind, (path) => {
  const { vocabularySize } = JSON.parse(readFileSync(join(path, 'tokenizer.json'), 'utf8')) as {
    vocabularySize: number;
  };
  return new DebugSemanticTokenizer(vocabularySize);
});
partLoaders.set(textStyleKind, (path) => LexiconTextStyle.load(path));
partLoaders.set(stylePriorKind, (path) => StylePrior.load(path));
// the MusiCNN + k-means tokenizer folder (weights/semantic's files), the kind `train export --semantic` writes
partLoaders.set(semanticModelKind, (path) => loadSemanticTokenizer(path));

/** Throws SHAPE_MISMATCH naming `file` when the parts do not fit together (see the file header). */
export function checkPartsFit(p: Omit<PipelineParts, 'name' | 'textStyle'>, file: string): void {
  const problems: string[] = [];
  const want = (what: string, got: unknown, expected: unknown) => {
    if (got !== expected)
      problems.push(`${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  };
  const { stage1, stage2, stage3, codec, semanticTokenizer: tokenizer, stylePrior } = p;
  want('codec sample rate', codec.sampleRateHz, audioSampleRateHz);
  want('codec frame rate', codec.frameRateHz, acousticRateHz);
  want('semantic tokenizer frame rate', tokenizer.frameRateHz, semanticRateHz);
  for (const [name, s] of [
    ['stage1', stage1],
    ['stage2', stage2],
    ['stage3', stage3],
  ] as const) {
    if (!s) continue;
    want(`${name} codecId`, s.config.codecId, codec.id);
    want(`${name} semanticTokenizerId`, s.config.semanticTokenizerId, tokenizer.id);
  }
  want('stage1 semantic vocabulary', stage1.config.semanticVocabularySize, tokenizer.vocabularySize);
  want('stage2 semantic vocabulary', stage2.config.semanticVocabularySize, tokenizer.vocabularySize);
  want('stage2 codebook size', stage2.config.codebookSize, codec.codebookSize);
  if (stage3) {
    want('stage3 codebook size', stage3.config.codebookSize, codec.codebookSize);
    want('stage3 coarse levels', stage3.config.numCoarseLevels, stage2.config.numLevels);
    want('stage2 + stage3 levels', stage2.config.numLevels + stage3.config.numFineLevels, codec.numCodebooks);
  } else {
    want('stage2 levels', stage2.config.numLevels <= codec.numCodebooks, true);
  }
  if (stylePrior) want('style prior dimension', stylePrior.dim, stage1.config.styleDim);
  if (stylePrior?.prompts) {
    const prompts = stylePrior.prompts;
    want('style prompts semanticTokenizerId', prompts.semanticTokenizerId, tokenizer.id);
    want('style prompts semantic vocabulary', prompts.semanticVocabularySize, tokenizer.vocabularySize);
    want('style prompts codebook size', prompts.codebookSize, codec.codebookSize);
    want('style prompts levels', prompts.levels, codec.numCodebooks);
  }
  if (p.generation?.stylePrompt && !stylePrior?.prompts)
    problems.push('generation.stylePrompt is set, but the bundle has no style prior with prompts');
  if ((p.generation?.stylePriorK ?? 0) > 0 && !stylePrior)
    problems.push(
      `generation.stylePriorK is ${p.generation!.stylePriorK}, but the bundle has no stylePrior part`,
    );
  // suppressed ids must be tokens the stages write
  const sampling = p.generation?.sampling ?? {};
  const outOf = (what: string, ids: readonly number[] | undefined, size: number) => {
    const bad = (ids ?? []).filter((id) => id >= size);
    if (bad.length) problems.push(`${what} ${bad.join(', ')} (the vocabulary has ${size})`);
  };
  outOf(
    'generation.sampling.stage1.suppress',
    sampling.stage1?.suppress,
    stage1.config.semanticVocabularySize,
  );
  for (const [name, levels, size] of [
    ['stage2', stage2.config.numLevels, stage2.config.codebookSize],
    ['stage3', stage3?.config.numFineLevels ?? 0, stage3?.config.codebookSize ?? 0],
  ] as const) {
    const perLevel = sampling[name]?.suppressPerLevel ?? [];
    if (perLevel.length > levels)
      problems.push(
        `generation.sampling.${name}.suppressPerLevel lists ${perLevel.length} levels, ${name} writes ${levels}`,
      );
    for (const [level, ids] of perLevel.entries())
      outOf(`generation.sampling.${name}.suppressPerLevel[${level}]`, ids, size);
  }
  if (problems.length)
    throw new V2meowError('SHAPE_MISMATCH', `the model parts do not fit: ${problems.join('; ')}`, file);
}

/** Reads and checks `dir/bundle.json`, loads every part, checks they fit; frees what it loaded on error. */
export async function loadBundleParts(dir: string): Promise<PipelineParts> {
  const manifest = readBundle(dir, { requiredRoles: requiredPipelineRoles });
  const file = join(dir, 'bundle.json');
  const loaded: { dispose(): void }[] = [];
  const track = <T>(x: T): T => {
    if (x && typeof (x as { dispose?: unknown }).dispose === 'function')
      loaded.push(x as unknown as { dispose(): void });
    return x;
  };
  const path = (role: string) => join(dir, manifest.parts[role]!.path);
  const other = async (role: string) => {
    const part = manifest.parts[role]!;
    const loader = partLoaders.get(part.kind);
    if (!loader)
      throw new V2meowError(
        'MODEL_MISSING',
        `part '${role}' is of kind '${part.kind}', which this v2meow cannot load`,
        file,
      );
    return track(await loader(path(role)));
  };
  try {
    const { codec: loadedCodec, rest } = loadCodec(path('codec'));
    for (const t of rest.values()) t.dispose();
    const codec = track(loadedCodec);
    const stage1 = track(loadStage(path('stage1'), 'stage1'));
    const stage2 = track(loadStage(path('stage2'), 'stage2'));
    const stage3 = manifest.parts.stage3 ? track(loadStage(path('stage3'), 'stage3')) : null;
    if (!stage3 && (manifest.generation?.decodeLevels ?? Number.POSITIVE_INFINITY) > stage2.config.numLevels)
      throw new V2meowError(
        'MODEL_MISSING',
        `the bundle has no stage 3, so it must decode stage 2's ${stage2.config.numLevels} levels alone (generation.decodeLevels)`,
        file,
      );
    const semanticTokenizer = (await other('semanticTokenizer')) as SemanticTokenizer;
    const textStyle = (await other('textStyle')) as TextStyleSource;
    const stylePrior = manifest.parts.stylePrior ? ((await other('stylePrior')) as StylePrior) : null;
    const parts = {
      name: manifest.name,
      stage1,
      stage2,
      stage3,
      codec,
      semanticTokenizer,
      textStyle,
      stylePrior,
      generation: manifest.generation,
    };
    checkPartsFit(parts, file);
    return parts;
  } catch (error) {
    for (const x of loaded) x.dispose();
    throw error;
  }
}
