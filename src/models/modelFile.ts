// Stage model files: safetensors weights with the stage's kind, the file format version and its config JSON
// (src/torch/io). Loading reads the config first and checks the kind, the stage version, the vocabulary sizes
// and the codec / semantic tokenizer ids against what the caller expects, before any weight is copied.

import { V2meowError } from '../errors.js';
import { writeAtomically } from '../media/atomicFile.js';
import { loadModelWeights, readModelInfo, saveModel } from '../torch/index.js';
import { Stage1, type Stage1Config, stage1Kind, stage1Version } from './stage1.js';
import { Stage2, type Stage2Config, stage2Kind, stage2Version } from './stage2.js';
import { Stage3, type Stage3Config, stage3Kind, stage3Version } from './stage3.js';

export type StageModel = Stage1 | Stage2 | Stage3;
export type StageKind = typeof stage1Kind | typeof stage2Kind | typeof stage3Kind;

const registry = {
  [stage1Kind]: { version: stage1Version, build: (c: unknown) => new Stage1(c as Stage1Config) },
  [stage2Kind]: { version: stage2Version, build: (c: unknown) => new Stage2(c as Stage2Config) },
  [stage3Kind]: { version: stage3Version, build: (c: unknown) => new Stage3(c as Stage3Config) },
} as const;

/** What the caller's pipeline needs a stage to match (any field left out is not checked). */
export interface StageExpectations {
  readonly codecId?: string;
  readonly semanticTokenizerId?: string;
  readonly semanticVocabularySize?: number;
  readonly codebookSize?: number;
}

/** Writes a stage (config, kind, weights) to `path` atomically, with free-form provenance. */
export async function saveStage(
  path: string,
  stage: StageModel,
  provenance: Record<string, unknown> = {},
): Promise<void> {
  await writeAtomically(path, (temporaryPath) =>
    saveModel(temporaryPath, stage, { kind: stage.kind, config: stage.config, extra: provenance }),
  );
}

/** Builds the stage a file holds and loads its weights; checks everything first (see the file header). */
export function loadStage<K extends StageKind>(
  path: string,
  kind: K,
  expected: StageExpectations = {},
): K extends 'stage1' ? Stage1 : K extends 'stage2' ? Stage2 : Stage3 {
  const info = readModelInfo<Record<string, unknown>>(path, kind);
  const entry = registry[kind];
  const config = info.config;
  if (config.version !== entry.version) {
    throw new V2meowError(
      'VERSION_MISMATCH',
      `${kind} version ${config.version}, this v2meow reads version ${entry.version}`,
      path,
    );
  }
  const problems: string[] = [];
  const check = (field: keyof StageExpectations) => {
    const want = expected[field];
    if (want !== undefined && field in config && config[field] !== want) {
      problems.push(`${field} is ${JSON.stringify(config[field])}, expected ${JSON.stringify(want)}`);
    }
  };
  check('codecId');
  check('semanticTokenizerId');
  check('semanticVocabularySize');
  check('codebookSize');
  if (problems.length)
    throw new V2meowError('SHAPE_MISMATCH', `${kind} does not fit: ${problems.join('; ')}`, path);
  const stage = entry.build(config);
  try {
    const rest = loadModelWeights(path, stage);
    for (const t of rest.values()) t.dispose();
  } catch (error) {
    stage.dispose();
    throw error;
  }
  return stage.eval() as never;
}
