// Gradient checks: every differentiable operation the engine exposes, analytic (autograd) against central
// finite differences in float64.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, manualSeed, noGrad, randn, type Tensor, tensor, tidy } from '../../src/torch/index.js';

const f64 = { dtype: 'float64' } as const;

/** Random float64 leaf tensor; `away` keeps values at least that far from 0 (for abs, relu, ...). */
function input(shape: number[], away = 0): Tensor {
  return tidy(() => {
    const x = randn(shape, f64);
    return away ? x.add(x.sign().mul(away)) : x;
  }).requiresGrad_();
}

function gradcheck(name: string, inputs: Tensor[], fn: (...xs: Tensor[]) => Tensor, tolerance = 1e-5): void {
  tidy(() => {
    const out0 = fn(...inputs);
    const weights = randn(out0.shape, f64);
    const objective = (...xs: Tensor[]) =>
      fn(...xs)
        .mul(weights)
        .sum();
    const loss = objective(...inputs);
    loss.backward();
    const eps = 1e-6;
    inputs.forEach((x, k) => {
      const analytic = (x.grad ?? noGrad(() => x.mul(0))).toArray();
      const base = x.toArray();
      const numeric = base.map((_, i) =>
        noGrad(() => {
          const at = (delta: number) => {
            const v = base.slice();
            v[i] = v[i]! + delta;
            const xs = inputs.slice();
            xs[k] = tensor(Float64Array.from(v), x.shape, f64);
            return objective(...xs).item();
          };
          return (at(eps) - at(-eps)) / (2 * eps);
        }),
      );
      const worst = Math.max(...numeric.map((n, i) => Math.abs(n - analytic[i]!) / Math.max(1, Math.abs(n))));
      assert.ok(worst < tolerance, `${name}: input ${k} gradient differs by ${worst.toExponential(2)}`);
      x.clearGrad();
    });
  });
}

const cases: [string, () => Tensor[], (...xs: Tensor[]) => Tensor][] = [
  ['add', () => [input([2, 3]), input([3])], (a, b) => a.add(b!)],
  ['sub', () => [input([2, 3]), input([2, 3])], (a, b) => a.sub(b!).sub(2)],
  ['mul', () => [input([2, 3]), input([2, 1])], (a, b) => a.mul(b!).mul(3)],
  ['div', () => [input([2, 3]), input([2, 3], 0.5)], (a, b) => a.div(b!).div(2)],
  ['pow scalar', () => [input([2, 3], 0.3)], (a) => a.abs().pow(1.7)],
  ['pow tensor', () => [input([2, 3], 0.3), input([2, 3])], (a, b) => a.abs().pow(b!)],
  ['rsub', () => [input([3])], (a) => a.rsub(2)],
  ['neg abs', () => [input([2, 3], 0.1)], (a) => a.neg().abs()],
  ['exp log', () => [input([2, 3], 0.2)], (a) => a.exp().add(a.abs().log())],
  ['log1p log10', () => [input([4], 0.2)], (a) => a.abs().log1p().add(a.abs().log10())],
  ['sqrt rsqrt', () => [input([4], 0.3)], (a) => a.abs().sqrt().add(a.abs().rsqrt())],
  ['sin cos', () => [input([4])], (a) => a.sin().mul(a.cos())],
  ['tanh sigmoid', () => [input([4])], (a) => a.tanh().add(a.sigmoid())],
  ['relu silu softplus', () => [input([6], 0.1)], (a) => a.relu().add(a.silu()).add(a.softplus())],
  ['erf square reciprocal', () => [input([4], 0.3)], (a) => a.erf().add(a.square()).add(a.reciprocal())],
  ['gelu', () => [input([5])], (a) => a.gelu().add(a.gelu(true))],
  ['leakyRelu elu', () => [input([6], 0.1)], (a) => a.leakyRelu(0.2).add(a.elu(0.7))],
  ['softmax logSoftmax', () => [input([2, 5])], (a) => a.softmax(-1).add(a.logSoftmax(0))],
  ['sum mean', () => [input([2, 3, 4])], (a) => a.sum([1]).add(a.mean([1], false))],
  ['var', () => [input([3, 5])], (a) => a.var([1]).add(a.var(undefined, false))],
  ['logsumexp norm', () => [input([3, 4])], (a) => a.logsumexp([1]).add(a.norm(2, [1]))],
  ['max min dim', () => [input([3, 4])], (a) => a.maxDim(1)[0].add(a.minDim(0)[0].sum())],
  ['max all', () => [input([3, 4])], (a) => a.max().add(a.min())],
  ['maximum minimum', () => [input([4]), input([4])], (a, b) => a.maximum(b!).add(a.minimum(b!))],
  ['clamp', () => [input([6], 0.05)], (a) => a.clamp(-0.5, 0.5).add(a.clamp(null, 0.1))],
  ['lerp', () => [input([4]), input([4])], (a, b) => a.lerp(b!, 0.3)],
  ['where', () => [input([4]), input([4])], (a, b) => whereOf(a, b!)],
  ['prod cumsum', () => [input([2, 3], 0.2)], (a) => a.prod(1).sum().add(a.cumsum(1))],
  ['matmul', () => [input([2, 3, 4]), input([4, 2])], (a, b) => a.matmul(b!)],
  ['bmm', () => [input([2, 3, 4]), input([2, 4, 2])], (a, b) => a.bmm(b!)],
  ['t outer', () => [input([3]), input([2])], (a, b) => outerOf(a, b!).t()],
  ['linear', () => [input([2, 4]), input([3, 4]), input([3])], (x, w, b) => F.linear(x, w!, b)],
  ['layerNorm', () => [input([2, 5]), input([5]), input([5])], (x, w, b) => F.layerNorm(x, [5], w, b)],
  ['groupNorm', () => [input([2, 4, 3]), input([4]), input([4])], (x, w, b) => F.groupNorm(x, 2, w, b)],
  [
    'embedding',
    () => [input([5, 3])],
    (w) => F.embedding(w, tensor([0, 2, 2, 4], [2, 2], { dtype: 'int64' })),
  ],
  [
    'conv1d',
    () => [input([1, 4, 9]), input([6, 2, 3]), input([6])],
    (x, w, b) => F.conv1d(x, w!, b, { stride: 2, padding: 2, dilation: 2, groups: 2 }),
  ],
  [
    'convTranspose1d',
    () => [input([1, 2, 5]), input([2, 3, 4]), input([3])],
    (x, w, b) => F.convTranspose1d(x, w!, b, { stride: 2, padding: 1, outputPadding: 1 }),
  ],
  [
    'conv2d',
    () => [input([1, 2, 5, 5]), input([3, 2, 3, 3]), input([3])],
    (x, w, b) => F.conv2d(x, w!, b, { stride: [1, 2], padding: 1 }),
  ],
  [
    'pool1d',
    () => [input([1, 2, 8])],
    (x) => F.avgPool1d(x, 2).add(F.maxPool1d(x, 2)).sum().add(F.adaptiveAvgPool1d(x, 3).sum()),
  ],
  [
    'pool2d',
    () => [input([1, 1, 4, 4])],
    (x) =>
      F.avgPool2d(x, 2)
        .add(F.maxPool2d(x, 2))
        .sum()
        .add(F.adaptiveAvgPool2d(x, [2, 3]).sum()),
  ],
  [
    'pad',
    () => [input([1, 2, 5])],
    (x) =>
      F.pad(x, [2, 1], 'constant', 0.5)
        .sum()
        .add(F.pad(x, [2, 2], 'reflect').sum(2))
        .add(F.pad(x, [1, 0], 'replicate').sum()),
  ],
  ['upsampleNearest1d', () => [input([1, 2, 3])], (x) => F.upsampleNearest1d(x, 6)],
  [
    'stft magnitude',
    () => [input([64])],
    (x) => F.stft(x, { nFft: 16, hopSamples: 4, window: F.window('hann', 16, true, 'float64') }).abs(),
  ],
  [
    'istft',
    () => [input([9, 5]), input([9, 5])],
    (re, im) =>
      F.istft(complexOf(re, im!), { nFft: 16, hopSamples: 4, window: F.window('hann', 16, true, 'float64') }),
  ],
  [
    'shape ops',
    () => [input([2, 3, 4])],
    (x) =>
      x
        .reshape([6, 4])
        .t()
        .flatten()
        .unsqueeze(0)
        .squeeze(0)
        .reshape([4, 6])
        .permute([1, 0])
        .transpose(0, 1)
        .contiguous(),
  ],
  [
    'expand repeat flip roll',
    () => [input([1, 3])],
    (x) =>
      x
        .expand([2, 3])
        .add(x.repeat([2, 1]))
        .flip([1])
        .roll([1], [1]),
  ],
  [
    'cat stack',
    () => [input([2, 3]), input([2, 3])],
    (a, b) => catOf(a, b!).add(stackOf(a, b!).reshape([4, 3])),
  ],
  [
    'split chunk',
    () => [input([4, 3])],
    (x) =>
      x
        .split(1, 0)[3]!
        .add(x.chunk(2, 0)[0]!.sum(0))
        .add(x.split([3, 1], 0)[1]!),
  ],
  [
    'narrow select slice',
    () => [input([4, 5])],
    (x) =>
      x
        .narrow(1, 1, 2)
        .sum(1)
        .add(x.select(1, 3))
        .add(x.slice(1, -2, null, 1).sum(1))
        .add(x.slice(1, 0, 5, 2).sum(1)),
  ],
  ['tril triu', () => [input([3, 3])], (x) => x.tril().add(x.triu(1))],
  [
    'gather',
    () => [input([3, 4])],
    (x) => x.gather(1, tensor([0, 3, 1, 1, 2, 0], [3, 2], { dtype: 'int64' })),
  ],
  [
    'scatter scatterAdd',
    () => [input([3, 4]), input([3, 2])],
    (x, s) => x.scatter(1, idx32(), s!).add(x.scatterAdd(1, idx32(), s!)),
  ],
  [
    'indexSelect indexAdd',
    () => [input([4, 3]), input([2, 3])],
    (x, s) =>
      x
        .indexSelect(0, ids([3, 1]))
        .sum()
        .add(x.indexAdd(0, ids([0, 2]), s!)),
  ],
  [
    'maskedFill',
    () => [input([2, 3])],
    (x) => x.maskedFill(tensor(new Uint8Array([1, 0, 0, 1, 0, 1]), [2, 3], { dtype: 'bool' }), 0.5),
  ],
  ['topk sort', () => [input([2, 5])], (x) => x.topk(2, 1)[0].sum().add(x.sort(1, true)[0])],
  ['cdist', () => [input([3, 4]), input([2, 4])], (a, b) => cdistOf(a, b!)],
  ['einsum', () => [input([2, 3]), input([3, 4])], (a, b) => einsumOf(a, b!)],
  [
    'crossEntropy',
    () => [input([4, 5])],
    (x) => F.crossEntropy(x, ids([1, 0, 4, 2]), { labelSmoothing: 0.1, ignoreIndex: 0 }),
  ],
  [
    'crossEntropy 3d',
    () => [input([2, 5, 3])],
    (x) => F.crossEntropy(x, tensor([1, 0, 4, 2, 3, 3], [2, 3], { dtype: 'int64' }), { reduction: 'sum' }),
  ],
  ['mse l1', () => [input([2, 3]), input([2, 3])], (a, b) => F.mseLoss(a, b!).add(F.l1Loss(a, b!, 'sum'))],
  [
    'bceWithLogits',
    () => [input([2, 3])],
    (x) => F.bceWithLogits(x, tensor([1, 0, 1, 0.5, 0, 1], [2, 3], f64)),
  ],
  [
    'dropout (seeded)',
    () => [input([10])],
    (x) => {
      manualSeed(7);
      return F.dropout(x, 0.3, true);
    },
  ],
];

test('detach: a straight-through estimator passes the gradient unchanged', () => {
  const x = input([5]);
  tidy(() => {
    x.add(x.round().sub(x).detach()).mul(3).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [3, 3, 3, 3, 3]);
  });
  x.dispose();
});

function whereOf(a: Tensor, b: Tensor): Tensor {
  return whereFn(a.gt(0), a.mul(2), b);
}

import {
  cat as catFn,
  cdist as cdistFn,
  einsum as einsumFn,
  outer as outerFn,
  stack as stackFn,
  where as whereFn,
} from '../../src/torch/index.js';

const catOf = (a: Tensor, b: Tensor) => catFn([a, b], 0).reshape([4, 3]);
const stackOf = (a: Tensor, b: Tensor) => stackFn([a, b], 0);
const complexOf = (re: Tensor, im: Tensor) => stackFn([re, im], -1).viewAsComplex();
const outerOf = (a: Tensor, b: Tensor) => outerFn(a, b);
const cdistOf = (a: Tensor, b: Tensor) => cdistFn(a, b);
const einsumOf = (a: Tensor, b: Tensor) => einsumFn('ij,jk->ik', a, b);
const ids = (v: number[]) => tensor(v, [v.length], { dtype: 'int64' });
const idx32 = () => tensor([0, 3, 1, 2, 2, 0], [3, 2], { dtype: 'int64' });

for (const [name, make, fn] of cases) {
  test(`gradcheck: ${name}`, () => {
    manualSeed(1234);
    const inputs = make();
    try {
      gradcheck(name, inputs, fn);
    } finally {
      for (const x of inputs) x.dispose();
    }
  });
}
