// Stage 2's trainer (issue 12 item 6, V2Meow section 3): semantic tokens -> the codec's coarse levels, on
// 10 s windows of music-only and paired examples (the decoder-only default needs no video: "the acoustic
// modeling stage can be trained on audio-only data"; an encoder-decoder config also reads its visual
// streams, checked against the dataset). Its bundle describer: reads semantic tokens, writes the coarse
// levels of the acoustic stream.

import { V2meowError } from '../errors.js';
import { acousticPerSemantic, semanticRateHz } from '../features/timeline.js';
import { Stage2, type Stage2Config, stage2Config, stage2Kind, stage2Version } from '../models/stage2.js';
import type { PartDescriber } from './export.js';
import { checkStreams } from './stageData.js';
import {
  acousticOf,
  checkSize,
  type StageDefinition,
  semanticOf,
  streamInputsOf,
  styleOf,
} from './stageTask.js';

/** Codec levels of a model whose provenance does not say (the committed codec's 12). */
const defaultCodecLevels = 12;

export const stage2Definition: StageDefinition<Stage2Config, Stage2, Parameters<Stage2['forward']>[0]> = {
  name: 'stage2',
  kind: stage2Kind,
  version: stage2Version,
  kinds: ['paired', 'music'],
  firstLevel: () => 1,
  config: (preset, facts, seconds) =>
    stage2Config(preset, {
      semanticTokenizerId: facts.semanticTokenizerId,
      semanticVocabularySize: facts.semanticVocabularySize,
      codebookSize: facts.acousticCodebookSize,
      maxFrames: Math.max(500, Math.ceil(seconds * semanticRateHz) * acousticPerSemantic),
    }),
  newParameters: (config) => Stage2.newParameters(config),
  check(config, facts) {
    checkSize(
      facts,
      'stage2',
      'semantic vocabulary',
      config.semanticVocabularySize,
      facts.semanticVocabularySize,
    );
    checkSize(facts, 'stage2', 'codebook size', config.codebookSize, facts.acousticCodebookSize);
    if (config.numLevels > facts.acousticLevels)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `stage2 predicts ${config.numLevels} levels, the dataset holds ${facts.acousticLevels}`,
        facts.dir,
      );
    if (config.architecture === 'encoderDecoder') checkStreams(facts, config.streams, 'stage2');
  },
  build: (config) => new Stage2(config),
  inputs: (batch, first, count, config) => ({
    ...(config.architecture === 'encoderDecoder' ? streamInputsOf(batch, config.streams, first, count) : {}),
    semantic: semanticOf(batch, first, count),
    ...(config.styleInput ? { style: styleOf(batch, first, count) } : {}),
    acoustic: acousticOf(batch, first, count).narrow(1, 0, config.numLevels),
  }),
  forward: (model, inputs) => model.forward(inputs),
};

/** Stage 2 in a bundle: reads semantic tokens, writes acoustic levels 0..numLevels-1. */
export const describeStage2File: PartDescriber = (file) => {
  const c = file.config as Stage2Config;
  const data = file.extra.data as { acousticLevels?: number } | undefined;
  return {
    id: `v2meow-stage2-${c.architecture}-${c.layout}-d${c.dModel}`,
    reads: {
      semantic: {
        tokenizerId: c.semanticTokenizerId,
        vocabularySize: c.semanticVocabularySize,
        numLevels: 1,
        frameRateHz: semanticRateHz,
      },
    },
    writes: {
      acoustic: {
        tokenizerId: c.codecId,
        vocabularySize: c.codebookSize,
        numLevels: data?.acousticLevels ?? defaultCodecLevels,
        frameRateHz: semanticRateHz * acousticPerSemantic,
        levels: [0, c.numLevels],
      },
    },
  };
};
