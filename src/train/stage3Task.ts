// Stage 3's trainer (issue 12 item 6, V2Meow section 3): the codec's coarse levels -> its fine levels, on
// 3 s windows of music-only and paired examples (all 12 levels of each window; the model splits them). Its
// bundle describer: reads the coarse levels of the acoustic stream, writes the fine ones.
import { V2meowError } from '../errors.js';
import { acousticPerSemantic, semanticRateHz } from '../features/timeline.js';
import { Stage3, type Stage3Config, stage3Config, stage3Kind, stage3Version } from '../models/stage3.js';
import type { PartDescriber } from './export.js';
import { acousticOf, checkSize, type StageDefinition } from './stageTask.js';

export const stage3Definition: StageDefinition<Stage3Config, Stage3, Parameters<Stage3['forward']>[0]> = {
  name: 'stage3',
  kind: stage3Kind,
  version: stage3Version,
  kinds: ['paired', 'music'],
  firstLevel: (config) => config.numCoarseLevels + 1,
  config: (preset, facts, seconds) =>
    stage3Config(preset, {
      semanticTokenizerId: facts.semanticTokenizerId,
      codebookSize: facts.acousticCodebookSize,
      windowFrames: Math.max(150, Math.ceil(seconds * semanticRateHz) * acousticPerSemantic),
    }),
  check(config, facts) {
    checkSize(facts, 'stage3', 'codebook size', config.codebookSize, facts.acousticCodebookSize);
    const levels = config.numCoarseLevels + config.numFineLevels;
    if (levels > facts.acousticLevels)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `stage3 reads and predicts ${levels} levels, the dataset holds ${facts.acousticLevels}`,
        facts.dir,
      );
  },
  build: (config) => new Stage3(config),
  inputs: (batch, first, count) => ({ acoustic: acousticOf(batch, first, count) }),
  forward: (model, inputs) => model.forward(inputs),
};

/** Stage 3 in a bundle: reads acoustic levels 0..Kc-1, writes levels Kc..Kc+Kf-1. */
export const describeStage3File: PartDescriber = (file) => {
  const c = file.config as Stage3Config;
  const acoustic = {
    tokenizerId: c.codecId,
    vocabularySize: c.codebookSize,
    numLevels: c.numCoarseLevels + c.numFineLevels,
    frameRateHz: semanticRateHz * acousticPerSemantic,
  };
  return {
    id: `v2meow-stage3-${c.layout}-d${c.dModel}`,
    reads: { acoustic: { ...acoustic, levels: [0, c.numCoarseLevels] } },
    writes: { acoustic: { ...acoustic, levels: [c.numCoarseLevels, c.numFineLevels] } },
  };
};
