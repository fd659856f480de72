// The stage trainers name the semantic tokenizer their data came from: a dataset built with the committed
// tokenizer (weights/semantic) gives stage configs its id and vocabulary (K = 256), so a bundle of those
// stages and that tokenizer fits; the stage configs' defaults are the committed tokenizer's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { featurizerIds } from '../../src/dataset/realFeaturizer.js';
import { stage1Config } from '../../src/models/stage1.js';
import { stage2Config } from '../../src/models/stage2.js';
import { stage3Config } from '../../src/models/stage3.js';
import { committedSemanticTokenizer } from '../../src/tokens/semantic.js';
import { stage1Definition } from '../../src/train/stage1Task.js';
import { stage2Definition } from '../../src/train/stage2Task.js';
import { stage3Definition } from '../../src/train/stage3Task.js';
import { type DatasetFacts, semanticTokenizerIdOf } from '../../src/train/stageData.js';
import { repoRoot } from '../helpers.js';

const committed = JSON.parse(
  readFileSync(join(repoRoot, 'weights', 'semantic', 'semantic.json'), 'utf8'),
) as {
  id: string;
  config: { numClusters: number };
};

test('the stage configs default to the committed tokenizer (weights/semantic/semantic.json)', () => {
  assert.equal(committedSemanticTokenizer.id, committed.id);
  assert.equal(committedSemanticTokenizer.vocabularySize, committed.config.numClusters);
  for (const config of [stage1Config('debug'), stage2Config('debug'), stage3Config('debug')])
    assert.equal(config.semanticTokenizerId, committed.id);
  assert.equal(stage1Config('debug').semanticVocabularySize, 256);
  assert.equal(stage2Config('debug').semanticVocabularySize, 256);
});

test('a dataset made with the committed tokenizer gives stage configs its id; others keep their own id', async () => {
  const recorded = (await featurizerIds()).semantic; // what `v2meow dataset build` records
  assert.equal(semanticTokenizerIdOf(recorded), committed.id);
  assert.equal(semanticTokenizerIdOf('stand-in-rms-64'), 'stand-in-rms-64');
  assert.equal(semanticTokenizerIdOf('musicnn-kmeans@000000000000'), 'musicnn-kmeans@000000000000');

  const facts: DatasetFacts = {
    dir: '(facts)',
    semanticVocabularySize: committed.config.numClusters,
    semanticTokenizerId: semanticTokenizerIdOf(recorded),
    acousticCodebookSize: 1024,
    acousticLevels: 12,
    visualStreams: new Map(),
    trainHoursBySource: {},
    trainHoursByKind: {},
    featurizers: {},
  };
  const s1 = stage1Definition.config('debug', facts, 10);
  const s2 = stage2Definition.config('debug', facts, 10);
  const s3 = stage3Definition.config('debug', facts, 3);
  for (const config of [s1, s2, s3]) assert.equal(config.semanticTokenizerId, committed.id);
  assert.equal(s1.semanticVocabularySize, 256);
  assert.equal(s2.semanticVocabularySize, 256);
});
