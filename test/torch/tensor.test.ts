// Tensor creation, typed-array round trips per dtype, values of core ops, seeds, and error cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  arange,
  cudaAvailable,
  eigh,
  F,
  full,
  getNumThreads,
  liveTensorCount,
  manualSeed,
  ones,
  rand,
  randint,
  randn,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../../src/torch/index.js';

test('round trip typed array -> tensor -> typed array for every dtype', () => {
  const cases = [
    new Float32Array([1.5, -2.25, 3e-8, 1e30]),
    new Float64Array([1.5, -2.25, 1e-300, Math.PI]),
    new BigInt64Array([1n, -2n, 9007199254740993n, 0n]),
    new Int32Array([1, -2, 2147483647, -2147483648]),
    new Uint8Array([0, 1, 128, 255]),
    new Int8Array([0, -1, 127, -128]),
  ];
  for (const data of cases) {
    const t = tensor(data, [2, 2]);
    assert.deepEqual(t.shape, [2, 2]);
    assert.deepEqual(t.data(), data);
    t.dispose();
  }
  const half = tensor([1, 0.5, -2, 65504], [4], { dtype: 'float16' });
  assert.equal(half.dtype, 'float16');
  assert.deepEqual(half.data(), new Uint16Array([0x3c00, 0x3800, 0xc000, 0x7bff]));
  assert.deepEqual(half.toArray().length, 4);
  const bf = tensor([1, -2], [2], { dtype: 'bfloat16' });
  assert.deepEqual(bf.data(), new Uint16Array([0x3f80, 0xc000]));
  const b = tensor(new Uint8Array([1, 0, 1]), [3], { dtype: 'bool' });
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.data(), new Uint8Array([1, 0, 1]));
  for (const t of [half, bf, b]) t.dispose();
});

test('creation functions give the right shapes, dtypes and values', () => {
  tidy(() => {
    assert.deepEqual(zeros([2, 3]).toArray(), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(ones([2], { dtype: 'int32' }).data(), new Int32Array([1, 1]));
    assert.deepEqual(full([3], 7, { dtype: 'float64' }).toArray(), [7, 7, 7]);
    assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.equal(arange(5).dtype, 'int64');
    assert.deepEqual(arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
    const r = rand([1000]).toArray();
    assert.ok(Math.min(...r) >= 0 && Math.max(...r) < 1);
    const n = randn([10000]);
    assert.ok(Math.abs(n.mean().item()) < 0.05 && Math.abs(n.var().item() - 1) < 0.05);
    const k = randint(3, 7, [500]).toArray();
    assert.ok(Math.min(...k) === 3 && Math.max(...k) === 6);
  });
});

test('manualSeed makes random tensors reproducible', () => {
  manualSeed(42);
  const a = randn([5]).toArray();
  manualSeed(42);
  const b = randn([5]).toArray();
  assert.deepEqual(a, b);
});

test('core ops compute the expected values', () => {
  tidy(() => {
    const a = tensor([1, 2, 3, 4], [2, 2]);
    assert.deepEqual(a.matmul(a).toArray(), [7, 10, 15, 22]);
    assert.deepEqual(a.sum(1).toArray(), [3, 7]);
    assert.deepEqual(a.argmax(1).toArray(), [1, 1]);
    assert.ok(Math.abs(a.logsumexp(1).toArray()[0]! - Math.log(Math.exp(1) + Math.exp(2))) < 1e-6);
    assert.deepEqual(
      a
        .softmax(1)
        .sum(1)
        .toArray()
        .map((v) => Math.round(v * 1e6) / 1e6),
      [1, 1],
    );
    const [values, indices] = tensor([3, 1, 4, 1, 5]).topk(2);
    assert.deepEqual(values.toArray(), [5, 4]);
    assert.deepEqual(indices.toArray(), [4, 2]);
    const logits = tensor([0, 0, 10, 0], [1, 4]);
    const ce = F.crossEntropy(logits, tensor([2], [1], { dtype: 'int64' })).item();
    assert.ok(Math.abs(ce - (Math.log(Math.exp(10) + 3) - 10)) < 1e-5);
    const ignored = F.crossEntropy(
      tensor([1, 2, 3, 4], [2, 2]),
      tensor([-100, 1], [2], { dtype: 'int64' }),
    ).item();
    assert.ok(Math.abs(ignored - (Math.log(Math.exp(3) + Math.exp(4)) - 4)) < 1e-5);
    const d = tensor([0, 0, 3, 4], [2, 2]);
    assert.deepEqual(F.linear(d, tensor([1, 1], [1, 2])).toArray(), [0, 7]);
    const dist =
      (tensor([0, 0], [1, 2]) as Tensor).shape.length && F.pad(tensor([1, 2], [1, 2]), [1, 1]).toArray();
    assert.deepEqual(dist, [0, 1, 2, 0]);
    const [evals] = eigh(tensor([2, 1, 1, 2], [2, 2], { dtype: 'float64' }));
    assert.deepEqual(
      evals.toArray().map((v) => Math.round(v * 1e9) / 1e9),
      [1, 3],
    );
    // multinomial draws only where probability is non-zero
    const draws = F.multinomial(tensor([0, 0.5, 0, 0.5], [1, 4]), 50, true).toArray();
    assert.ok(draws.every((v) => v === 1 || v === 3));
  });
});

test('stft -> istft reconstructs the signal', () => {
  tidy(() => {
    const x = randn([4000], { dtype: 'float64' });
    const window = F.window('hann', 512, true, 'float64');
    const spec = F.stft(x, { nFft: 512, hopSamples: 128, window });
    assert.deepEqual(spec.shape, [257, 32]);
    const y = F.istft(spec, { nFft: 512, hopSamples: 128, window, length: 4000 });
    assert.ok(y.sub(x).abs().max().item() < 1e-9);
  });
});

test('tidy frees intermediates and keeps results; keep() survives; live count returns to start', () => {
  const before = liveTensorCount();
  const kept = tidy(() => {
    const a = randn([100]);
    const b = a.mul(2).add(1);
    a.mul(3).keep().dispose();
    return { out: [b.sum()], other: 5 };
  });
  assert.equal(liveTensorCount(), before + 1);
  assert.equal(kept.out[0]!.isDisposed, false);
  kept.out[0]!.dispose();
  assert.equal(liveTensorCount(), before);
});

test('tidy disposes everything when fn throws, and rejects async fns', () => {
  const before = liveTensorCount();
  assert.throws(
    () =>
      tidy(() => {
        randn([10]);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(liveTensorCount(), before);
  assert.throws(() => tidy((async () => randn([1])) as unknown as () => number), /synchronous/);
});

test('errors: libtorch messages, disposed tensors, wrong arguments, unavailable device', () => {
  const a = randn([2, 3]);
  assert.throws(() => a.matmul(a), /libtorch: .*mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
  assert.throws(() => a.reshape([7]), /libtorch: shape '\[7\]' is invalid for input of size 6/);
  assert.throws(() => tensor(new Float32Array(5), [2, 3]), /needs 24 bytes but the array has 20/);
  assert.throws(
    () => F.crossEntropy(a, ones([5], { dtype: 'int64' })),
    /libtorch: Expected input batch_size \(2\) to match target batch_size \(5\)/,
  );
  a.dispose();
  assert.throws(() => a.add(1), /tensor was disposed/);
  assert.throws(() => a.shape, /tensor was disposed/);
  a.dispose(); // second dispose is harmless
  if (!cudaAvailable())
    assert.throws(
      () => zeros([2], { device: 'cuda' }),
      /device 'cuda' requested but the linked libtorch has no CUDA/,
    );
  assert.throws(() => F.pad(ones([2]), [1], 'nonsense' as 'reflect'), /libtorch/);
  assert.throws(
    () => F.crossEntropy(ones([2, 2]), ones([2], { dtype: 'int64' }), { reduction: 'avg' as 'mean' }),
    /reduction must be/,
  );
});

test('thread default uses the available cores', () => {
  assert.ok(getNumThreads() >= 1);
});

test('the addon loads in a worker thread with its own state', async () => {
  const url = new URL('../../src/torch/index.js', import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then((T) => {
      const t = T.tensor([1, 2, 3]).mul(2);
      parentPort.postMessage({ values: t.toArray(), live: T.liveTensorCount() });
    });`;
  const worker = new Worker(code, { eval: true });
  const message = await new Promise<{ values: number[]; live: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.deepEqual(message.values, [2, 4, 6]);
  assert.equal(message.live, 2);
});
