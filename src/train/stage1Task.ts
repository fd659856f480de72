// Stage 1's trainer (issue 12 item 6, V2Meow section 3): 10 s windows of paired and music-only examples ->
// the encoder's streams (rhythm curves: the video's for paired rows, the music's own for music-only rows, as
// V2M-Zero trains a curve-following model without pairs; the visual streams of paired rows), the style vector
// and the semantic targets. The config's streams must be what the dataset holds (rates, sizes: checked before
// any work). Its bundle describer: stage 1 writes the semantic token stream.
import { semanticRateHz } from '../features/timeline.js';
import { Stage1, type Stage1Config, stage1Config, stage1Kind, stage1Version } from '../models/stage1.js';
import type { PartDescriber } from './export.js';
import { checkStreams } from './stageData.js';
import { checkSize, type StageDefinition, semanticOf, streamInputsOf, styleOf } from './stageTask.js';

export const stage1Definition: StageDefinition<Stage1Config, Stage1, Parameters<Stage1['forward']>[0]> = {
  name: 'stage1',
  kind: stage1Kind,
  version: stage1Version,
  kinds: ['paired', 'music'],
  config: (preset, facts, seconds) =>
    stage1Config(preset, {
      semanticTokenizerId: facts.semanticTokenizerId,
      semanticVocabularySize: facts.semanticVocabularySize,
      maxTokens: Math.max(250, Math.ceil(seconds * semanticRateHz)),
    }),
  newParameters: (config) => Stage1.newParameters(config),
  check(config, facts) {
    checkSize(
      facts,
      'stage1',
      'semantic vocabulary',
      config.semanticVocabularySize,
      facts.semanticVocabularySize,
    );
    checkStreams(facts, config.streams, 'stage1');
  },
  build: (config) => new Stage1(config),
  inputs: (batch, first, count, config) => ({
    ...streamInputsOf(batch, config.streams, first, count),
    semantic: semanticOf(batch, first, count),
    style: styleOf(batch, first, count),
  }),
  forward: (model, inputs) => model.forward(inputs),
};

/** Stage 1 in a bundle: it writes semantic tokens (25 Hz, one level). */
export const describeStage1File: PartDescriber = (file) => {
  const c = file.config as Stage1Config;
  return {
    id: `v2meow-stage1-d${c.dModel}`,
    writes: {
      semantic: {
        tokenizerId: c.semanticTokenizerId,
        vocabularySize: c.semanticVocabularySize,
        numLevels: 1,
        frameRateHz: semanticRateHz,
      },
    },
  };
};
