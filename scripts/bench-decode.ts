// `npm run bench:decode`: the measurements behind the fused decode step (native/src/ops_fused.cc), side by side
// in one run, in alternating rounds (BENCH_ROUNDS, default 3), best round each:
// 1. the 6-layer d 384 stack's cached step at several row counts (B x T), on one thread and on all (what
//    the one-thread limit, F.setSerialRowLimit, chooses between);
// 2. one row through a 384 x 1536 projection on one thread: gemv and gemm over the [in, out] copy the plan
//    keeps, and linear() over the [out, in] weight;
// 3. what one libtorch thread-count switch (at::set_num_threads, 1 <-> 2) costs;
// 4. attention forward + backward at the reference train step's size (B 8, H 4, T 256, hd 64): scaling the
//    logits and masking them, as written plainly, against scaling q with the mask folded into the bias (ours).
import {
  F,
  getNumThreads,
  manualSeed,
  nn,
  noGrad,
  ones,
  randn,
  setNumThreads,
  type Tensor,
  tidy,
} from '../src/torch/index.js';

const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const threads = getNumThreads();

/** Best of `rounds` of ms per call of fn over `calls` calls, for each variant, alternating variants. */
function best(variants: Record<string, () => void>, calls: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      fn(); // warm-up
      const t0 = performance.now();
      for (let k = 0; k < calls; k++) fn();
      out[name] = Math.min(out[name] ?? Number.POSITIVE_INFINITY, (performance.now() - t0) / calls);
    }
  }
  return out;
}

manualSeed(0);
console.log(`threads=${threads} OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY} rounds=${rounds}`);

// 1. the stack's cached step
const config = {
  dModel: 384,
  numHeads: 6,
  numLayers: 6,
  dFeedForward: 1536,
  dropout: 0,
  relativeBuckets: 32,
  relativeMaxDistance: 128,
};
const stack = new nn.TransformerStack(config, true, false).eval();
console.log('\n1. cached stack step (6 layers, d 384), ms per step: one thread | all threads');
for (const [b, t, steps] of [
  [1, 1, 50],
  [4, 1, 30],
  [16, 1, 20],
  [1, 64, 4],
  [1, 256, 2],
  [8, 256, 1],
] as const) {
  const x = randn([b, t, config.dModel]).keep();
  // one call decodes `steps` steps from an empty cache
  const decode = () =>
    noGrad(() => {
      const cache = new nn.DecoderCache(config.numLayers, steps * t);
      for (let k = 0; k < steps; k++) tidy(() => void stack.forward(x, { cache }));
      cache.dispose();
    });
  const withLimit = (rows: number) => () => {
    const previous = F.setSerialRowLimit(rows);
    try {
      decode();
    } finally {
      F.setSerialRowLimit(previous);
    }
  };
  const ms = best({ serial: withLimit(Number.MAX_SAFE_INTEGER), parallel: withLimit(0) }, 1);
  const [serial, parallel] = [ms.serial! / steps, ms.parallel! / steps];
  console.log(
    `  ${b} x ${t} = ${String(b * t).padStart(4)} rows: ${serial.toFixed(2)} | ${parallel.toFixed(2)}` +
      `  (one thread / all: ${(serial / parallel).toFixed(2)})`,
  );
  x.dispose();
}
stack.dispose();

// 2. one row through a 384 x 1536 projection, one thread
setNumThreads(1);
const weights = Array.from({ length: 24 }, () => randn([1536, 384]).keep()); // [out, in], more than the caches hold
const inOut = weights.map((w) => w.t().contiguous().keep());
const row = randn([1, 384]).keep();
const vector = row.reshape([384]).keep();
let next = 0;
const pick = <T>(list: T[]) => list[next++ % list.length]!;
const projection = best(
  {
    gemv: () => tidy(() => void pick(inOut).t().matmul(vector)),
    gemm: () => tidy(() => void row.matmul(pick(inOut))),
    linear: () => tidy(() => void F.linear(row, pick(weights))),
  },
  500,
);
console.log('\n2. one row x 384 x 1536 weight, one thread, us per product');
console.log(
  `  gemv over [in, out] ${(projection.gemv! * 1000).toFixed(0)}, gemm over [in, out] ${(projection.gemm! * 1000).toFixed(0)}, ` +
    `linear over [out, in] ${(projection.linear! * 1000).toFixed(0)}`,
);
for (const t of [...weights, ...inOut, row, vector]) t.dispose();

// 3. a libtorch thread-count switch
const toggle = best(
  {
    toggle: () => {
      setNumThreads(threads === 1 ? 2 : 1);
      setNumThreads(threads);
    },
  },
  50,
);
setNumThreads(threads);
console.log(`\n3. setNumThreads ${threads} -> other -> ${threads}: ${toggle.toggle!.toFixed(2)} ms`);

// 4. attention forward + backward
const [q, k, v] = [0, 1, 2].map(() => randn([8, 4, 256, 64]).requiresGrad_().keep()) as [
  Tensor,
  Tensor,
  Tensor,
];
const bias = randn([1, 4, 256, 256]).requiresGrad_().keep();
const causal = ones([256, 256], { dtype: 'bool' }).triu(1).keep();
const folded = noGrad(() => bias.maskedFill(causal, Number.NEGATIVE_INFINITY))
  .requiresGrad_()
  .keep();
const attention = best(
  {
    plain: () =>
      tidy(() => {
        const logits = q
          .matmul(k.transpose(2, 3))
          .mul(1 / 8)
          .add(bias)
          .maskedFill(causal, -Infinity);
        logits.softmax(-1).matmul(v).sum().backward();
      }),
    ours: () =>
      tidy(() => {
        const logits = q
          .mul(1 / 8)
          .matmul(k.transpose(2, 3))
          .add(folded);
        logits.softmax(-1).matmul(v).sum().backward();
      }),
  },
  5,
);
console.log(
  `\n4. attention fwd + bwd (B 8, H 4, T 256, hd 64), ms: plain ${attention.plain!.toFixed(1)}, ` +
    `ours ${attention.ours!.toFixed(1)} (ratio ${(attention.ours! / attention.plain!).toFixed(2)})`,
);
