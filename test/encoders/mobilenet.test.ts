// MobileNetV2 uint8 and v1 0.25 float: parity with the golden TFLite runs, feature sizes, preprocessing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Mobilenet } from '../../src/encoders/mobilenet.js';
import { slow } from '../helpers.js';
import { goldenFloats, maxAbsDiff } from './goldenFiles.js';

const v2Folder = 'mobilenet_v2_1.0_224_quant';
const v1Folder = 'mobilenet_v1_0.25_224_float';
const frame = (values: Float32Array) => ({ data: Uint8Array.from(values), width: 224, height: 224 });

describe('MobileNetV2 uint8', slow, () => {
  let model: Mobilenet;
  before(async () => {
    model = await Mobilenet.fromPretrained('default');
  });
  after(() => model?.dispose());

  for (const name of ['burger', 'friday_frame']) {
    test(`${name}: logits match the reference run exactly`, () => {
      const out = model.encode(frame(goldenFloats(v2Folder, `${name}_input_uint8_as_f32.bin`)));
      assert.equal(maxAbsDiff(out.logits!, goldenFloats(v2Folder, `${name}_output_logits.f32.bin`)), 0);
      assert.equal(out.features.length, 1280);
      assert.ok(Math.abs(out.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    });
  }

  test('burger top-1 is cheeseburger; a non-square frame is cropped and resized', () => {
    const burger = frame(goldenFloats(v2Folder, 'burger_input_uint8_as_f32.bin'));
    assert.equal(model.top(model.encode(burger).probabilities, 1)[0]!.label, 'cheeseburger');
    // Pad the burger with 40 grey columns each side: the centre crop brings back the same picture.
    const wide = new Uint8Array(224 * 304 * 3).fill(128);
    for (let y = 0; y < 224; y++) wide.set(burger.data.subarray(y * 672, (y + 1) * 672), (y * 304 + 40) * 3);
    const prepared = model.prepare({ data: wide, width: 304, height: 224 });
    assert.equal(prepared.width, 224);
    assert.deepEqual(prepared.data, burger.data);
  });
});

describe('MobileNet v1 0.25 float', slow, () => {
  test('probabilities match the reference run; burger is cheeseburger; 256-d features', async () => {
    const model = await Mobilenet.fromPretrained('fast');
    try {
      for (const name of ['burger', 'friday_frame']) {
        const normalized = goldenFloats(v1Folder, `${name}_input.f32.bin`);
        const pixels = Float32Array.from(normalized, (v) => Math.round(v * 127.5 + 127.5));
        const out = model.encode(frame(pixels));
        assert.ok(
          maxAbsDiff(out.probabilities, goldenFloats(v1Folder, `${name}_output_probs.f32.bin`)) < 1e-6,
        );
        assert.equal(out.features.length, 256);
        assert.equal(out.logits, undefined);
        if (name === 'burger') assert.equal(model.top(out.probabilities, 1)[0]!.label, 'cheeseburger');
      }
    } finally {
      model.dispose();
    }
  });
});
