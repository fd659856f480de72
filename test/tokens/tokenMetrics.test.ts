// Token measures (src/tokens/tokenMetrics.ts): entropies on known distributions, conditional entropy of a
// deterministic and an independent pair, and a linear probe that must separate separable histograms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  conditionalEntropy,
  entropyBits,
  linearProbe,
  tokenHistograms,
  tokenUsage,
} from '../../src/tokens/tokenMetrics.js';
import { liveTensorCount } from '../../src/torch/index.js';
import { createRandom } from '../../src/util/random.js';

const close = (a: number, b: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tolerance, `${a} vs ${b}`);

test('entropy and usage of known distributions', () => {
  close(entropyBits([1, 1, 1, 1]), 2);
  close(entropyBits([5, 0, 0]), 0);
  close(entropyBits([]), 0);
  const usage = tokenUsage(Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), 16);
  assert.equal(usage.used, 4);
  close(usage.perplexity, 4);
});

test('conditional entropy: y a function of x gives 0 bits; independent y keeps H(y)', () => {
  const random = createRandom(1);
  const n = 20000;
  const x = Int32Array.from({ length: n }, () => Math.floor(random() * 8));
  const fold = Uint8Array.from({ length: n }, (_, i) => i % 2);
  const determined = conditionalEntropy({ x, y: x.map((v) => v % 4), fold, xSize: 8, ySize: 4 });
  close(determined.plugInBits, 0, 1e-9);
  close(determined.yBits, 2, 0.01);
  assert.ok(determined.heldOutBits < 0.01, `held-out ${determined.heldOutBits}`);
  close(determined.heldOutYBits, 2, 0.01);
  const y = Int32Array.from({ length: n }, () => Math.floor(random() * 4));
  const independent = conditionalEntropy({ x, y, fold, xSize: 8, ySize: 4 });
  close(independent.plugInBits, 2, 0.01);
  // The plug-in estimate is biased low; the held-out one is not below H(y).
  assert.ok(independent.heldOutBits >= independent.yBits - 0.001);
  assert.throws(() => conditionalEntropy({ x, y: y.subarray(1), fold, xSize: 8, ySize: 4 }), /SHAPE|y/);
});

test('histograms and a linear probe on separable token histograms', () => {
  const random = createRandom(4);
  // Class c uses tokens 4c..4c+3 mostly; 3 classes, 12 tokens.
  const clips = (count: number) => {
    const tokens: Int32Array[] = [];
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const c = i % 3;
      labels[i] = c;
      tokens.push(
        Int32Array.from({ length: 50 }, () =>
          random() < 0.7 ? 4 * c + Math.floor(random() * 4) : Math.floor(random() * 12),
        ),
      );
    }
    return { features: tokenHistograms(tokens, 12), labels };
  };
  const train = clips(60);
  const sums = [0, 1, 2].map((c) => train.features.subarray(c * 12, (c + 1) * 12).reduce((a, b) => a + b, 0));
  for (const s of sums) close(s, 1, 1e-5);
  const before = liveTensorCount();
  const result = linearProbe(train, clips(30), 3, { steps: 100 });
  assert.equal(liveTensorCount(), before);
  assert.equal(result.accuracy, 1);
  close(result.majorityAccuracy, 1 / 3, 1e-9);
});
