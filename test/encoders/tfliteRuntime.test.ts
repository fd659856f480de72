// TFLite runtime wrapper: typed errors for bad models and wrong input sizes; disposal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TfliteInterpreter } from '../../src/encoders/tfliteRuntime.js';
import { V2meowError } from '../../src/errors.js';
import { readModelBytes } from '../../src/weights/modelStore.js';
import { slow } from '../helpers.js';

describe('TfliteInterpreter', () => {
  test('rejects bytes that are not a model', async () => {
    await assert.rejects(
      TfliteInterpreter.create(new Uint8Array(100), 'junk.tflite'),
      (e: unknown) => e instanceof V2meowError && e.code === 'BAD_FORMAT' && e.file === 'junk.tflite',
    );
  });

  test('reports I/O, refuses a wrong input length, and cannot be used after dispose', slow, async () => {
    const interpreter = await TfliteInterpreter.create(readModelBytes('yamnet'), 'yamnet.tflite');
    assert.deepEqual(interpreter.inputs, [
      { id: 0, name: 'waveform_binary', dataType: 'float32', shape: [15600] },
    ]);
    assert.deepEqual(
      interpreter.outputs.map((o) => [o.id, o.shape]),
      [[120, [1, 521]]],
    );
    assert.throws(
      () => interpreter.setInput(0, new Float32Array(10)),
      (e: unknown) => e instanceof V2meowError && e.code === 'SHAPE_MISMATCH',
    );
    interpreter.setInput(0, new Float32Array(15600));
    interpreter.run();
    const silence = interpreter.output(0);
    interpreter.run();
    assert.deepEqual(interpreter.output(0), silence, 'repeat runs are identical');
    interpreter.dispose();
    assert.throws(() => interpreter.run(), /disposed/);
  });
});
