// Keras HDF5 reader on the MusiCNN checkpoint.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import { kerasWeight, readKerasWeights } from '../../src/weights/kerasHdf5.js';
import { modelsDir, slow } from '../helpers.js';

describe('readKerasWeights', () => {
  test('MusiCNN MTT: layers and weight shapes by name', slow, async () => {
    const weights = await readKerasWeights(join(modelsDir, 'musicnn/MTT_musicnn.h5'));
    assert.ok(weights.layerNames.includes('conv2d'));
    const kernel = kerasWeight(weights, 'conv2d', 'kernel');
    assert.deepEqual(kernel.shape, [7, 38, 1, 204]);
    assert.equal(kernel.values.length, 7 * 38 * 204);
    assert.deepEqual(kerasWeight(weights, 'dense', 'kernel').shape, [1506, 200]);
    const variance = kerasWeight(weights, 'batch_normalization', 'moving_variance');
    assert.ok(variance.values[0]! > 0);
    assert.ok(weights.modelConfig !== undefined);
    assert.throws(() => kerasWeight(weights, 'conv2d', 'gamma'), V2meowError);
  });

  test('missing and non-HDF5 files are typed errors', async () => {
    await assert.rejects(
      readKerasWeights('/nonexistent.h5'),
      (e: unknown) => e instanceof V2meowError && e.code === 'FILE_NOT_FOUND',
    );
    await assert.rejects(
      readKerasWeights(join(modelsDir, 'musicnn/configuration.py.txt')),
      (e: unknown) => e instanceof V2meowError && e.code === 'BAD_FORMAT',
    );
  });
});
