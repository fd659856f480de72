// A model bundle of debug parts for the tests: random debug stages, the debug codec, the loudness tokenizer and
// the lexicon text style, with bundle.json written by writeBundleManifest. `misfit` saves a stage 3 whose
// codebook size does not match the codec's. `realTokenizer` ships the committed MusiCNN + k-means tokenizer
// (weights/semantic) instead of the loudness one, with stages trained (here: built) on its id and vocabulary.
// `stylePrior` adds that table as the bundle's style prior part.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codecPresets, createCodec, saveCodec } from '../../src/codec/soundstream.js';
import { type StylePrototypes, savePrototypes } from '../../src/encoders/stylePrototypes.js';
import { debugTokenizerKind, textStyleKind } from '../../src/generate/bundleParts.js';
import { debugStages } from '../../src/generate/debugParts.js';
import { type StylePromptsHeader, saveStylePrompts, stylePriorKind } from '../../src/generate/stylePrior.js';
import { saveStage } from '../../src/models/modelFile.js';
import { Stage2 } from '../../src/models/stage2.js';
import { Stage3 } from '../../src/models/stage3.js';
import { semanticInfoFile, semanticModelKind } from '../../src/tokens/musicnnKmeans.js';
import { noGrad, randn } from '../../src/torch/index.js';
import {
  type BundlePart,
  bundleFormat,
  bundleVersion,
  type GenerationDefaults,
  pathBytes,
  writeBundleManifest,
} from '../../src/weights/bundle.js';
import { repoRoot } from '../helpers.js';

export async function writeDebugBundle(
  dir: string,
  options: {
    misfit?: boolean;
    realTokenizer?: boolean;
    generation?: GenerationDefaults;
    noStage3?: boolean;
    /** A stage 2 that reads the style (config.styleInput), its projection drawn at random (not zero). */
    stage2Style?: boolean;
    stylePrior?: StylePrototypes;
    /** Style prompts of the prior's rows (saved beside its table). */
    stylePrompts?: StylePromptsHeader & { readonly tokens: Uint16Array };
  } = {},
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const preset = codecPresets.debug;
  const realTokenizerDir = join(repoRoot, 'weights', 'semantic');
  const real = options.realTokenizer
    ? (JSON.parse(readFileSync(join(realTokenizerDir, semanticInfoFile), 'utf8')) as {
        id: string;
        config: { numClusters: number };
      })
    : undefined;
  const tokenizerId = real?.id ?? 'debug-loudness-64';
  const stages = debugStages(
    {
      codecId: preset.id,
      numCodebooks: preset.numCodebooks,
      numCoarse: preset.numCoarse,
      codebookSize: preset.codebookSize,
      semanticTokenizerId: tokenizerId,
      semanticVocabularySize: real?.config.numClusters ?? 64,
    },
    5,
  );
  if (options.misfit) {
    const wrong = new Stage3({ ...stages.stage3.config, codebookSize: 32 });
    stages.stage3.dispose();
    stages.stage3 = wrong;
  }
  if (options.stage2Style) {
    const styled = new Stage2({ ...stages.stage2.config, styleInput: true });
    styled.loadStateDict(stages.stage2.stateDict(), false);
    noGrad(() => styled.styleProjection!.weight.copy_(randn([styled.config.dModel, 100]).mul(2)));
    stages.stage2.dispose();
    stages.stage2 = styled;
  }
  for (const [role, stage] of Object.entries(stages)) {
    await saveStage(join(dir, `${role}.safetensors`), stage);
    stage.dispose();
  }
  const codec = createCodec('debug');
  saveCodec(join(dir, 'codec.safetensors'), codec, { note: 'debug' });
  codec.dispose();
  if (real) cpSync(realTokenizerDir, join(dir, 'semanticTokenizer'), { recursive: true });
  else {
    mkdirSync(join(dir, 'semanticTokenizer'));
    writeFileSync(join(dir, 'semanticTokenizer', 'tokenizer.json'), '{"vocabularySize": 64}\n');
  }
  cpSync(join(repoRoot, 'weights', 'style'), join(dir, 'textStyle'), { recursive: true });
  if (options.stylePrior) await savePrototypes(join(dir, 'stylePrior'), options.stylePrior);
  if (options.stylePrompts) await saveStylePrompts(join(dir, 'stylePrior'), options.stylePrompts);
  const part = (path: string, kind: string): BundlePart => ({
    path,
    kind,
    id: kind,
    bytes: pathBytes(join(dir, path)),
  });
  await writeBundleManifest(dir, {
    format: bundleFormat,
    version: bundleVersion,
    name: options.misfit ? 'debug-misfit' : 'debug-bundle',
    createdAt: new Date(0).toISOString(),
    parts: {
      stage1: part('stage1.safetensors', 'stage1'),
      stage2: part('stage2.safetensors', 'stage2'),
      ...(options.noStage3 ? {} : { stage3: part('stage3.safetensors', 'stage3') }),
      codec: part('codec.safetensors', 'codec'),
      semanticTokenizer: part('semanticTokenizer', real ? semanticModelKind : debugTokenizerKind),
      textStyle: part('textStyle', textStyleKind),
      ...(options.stylePrior ? { stylePrior: part('stylePrior', stylePriorKind) } : {}),
    },
    provenance: { note: 'test bundle of random debug parts' },
    ...(options.generation ? { generation: options.generation } : {}),
  });
  return dir;
}
