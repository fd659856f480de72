// The two perceptual terms of codec training: YAMNet's frontend log-mel (against the golden log-mel of the
// YAMNet TFLite graph: measured mean |difference| 0.002, max 0.009) and the MusiCNN frame-feature distance (zero on identical input, growing with noise,
// gradients reaching the reconstruction).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { yamnetLogMel, yamnetMelL1 } from '../../src/codec/losses.js';
import { manualSeed, randn, tensor, tidy } from '../../src/torch/index.js';
import { MusicnnFeatureLoss } from '../../src/train/musicnnFeatureLoss.js';
import { goldenDir } from '../helpers.js';

const f32 = (path: string) => {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

describe('yamnetLogMel', () => {
  test("matches the YAMNet graph's own log-mel on the golden second of Brahms", () => {
    const wave = f32(join(goldenDir, 'yamnet', 'input_waveform.f32.bin'));
    const golden = f32(join(goldenDir, 'yamnet', 'output_log_mel.f32.bin')); // [96 frames, 64 bands]
    const ours = tidy(
      () =>
        yamnetLogMel(tensor(wave, [1, wave.length]))
          .squeeze(0)
          .t()
          .contiguous()
          .data() as Float32Array,
    );
    assert.equal(ours.length, golden.length);
    let sum = 0;
    let max = 0;
    for (let i = 0; i < ours.length; i++) {
      const d = Math.abs(ours[i]! - golden[i]!);
      sum += d;
      max = Math.max(max, d);
    }
    const mean = sum / ours.length;
    assert.ok(mean < 0.005, `mean |difference| ${mean.toFixed(4)} (log units)`);
    assert.ok(max < 0.03, `max |difference| ${max.toFixed(4)}`);
  });

  test('distance is 0 on identical input and grows with noise', () => {
    manualSeed(1);
    tidy(() => {
      const x = randn([2, 8000]).mul(0.1);
      assert.equal(yamnetMelL1(x, x).item(), 0);
      const a = yamnetMelL1(x.add(randn([2, 8000]).mul(0.01)), x).item();
      const b = yamnetMelL1(x.add(randn([2, 8000]).mul(0.05)), x).item();
      assert.ok(a > 0 && b > a, `${a} < ${b}`);
    });
  });
});

describe('MusicnnFeatureLoss (debug weights)', () => {
  test('0 on identical input, grows with noise, and gives the reconstruction a gradient', async () => {
    manualSeed(2);
    const loss = await MusicnnFeatureLoss.create('debug');
    tidy(() => {
      const x = randn([2, 16000]).mul(0.1);
      assert.equal(loss.distance(x, x).item(), 0);
      const small = loss.distance(x.add(randn([2, 16000]).mul(0.01)), x).item();
      const large = loss.distance(x.add(randn([2, 16000]).mul(0.1)), x).item();
      assert.ok(small > 0 && large > small, `${small} < ${large}`);
      const y = x
        .add(randn([2, 16000]).mul(0.05))
        .detach()
        .requiresGrad_();
      loss.distance(y, x).backward();
      const grad = y.grad!;
      assert.deepEqual(grad.shape, [2, 16000]);
      assert.ok(grad.abs().sum().item() > 0);
    });
    loss.dispose();
  });
});
