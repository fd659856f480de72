// `npm run bench:engine`: the reference train step (decoder-only Transformer, d 256, 4 layers, 4 heads, seq 256,
// batch 8, vocab 1024, AdamW) and batch-1 KV-cached decoding (6 layers, d 384) in TypeScript, and the same
// model in PyTorch when Debian's python3-torch is installed (never in CI), measured side by side in one run
// with the same thread count, in alternating rounds (BENCH_ROUNDS, default 3). Last line:
// train_ratio=<ts/py> decode_ratio=<ts/py> over each side's best round. Same model, not the same code: the
// TypeScript side is our nn (attention scales q rather than the logits, the causal mask is folded into the
// position bias once per forward, cached decoding runs each layer as one native call); the PyTorch side is
// written plainly (scale and mask applied to the logits in every layer, one op at a time).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdamW,
  F,
  full,
  getNumThreads,
  manualSeed,
  nn,
  noGrad,
  randint,
  type Tensor,
  tidy,
} from '../src/torch/index.js';

const settings = {
  threads: getNumThreads(),
  train: {
    vocab: 1024,
    dModel: 256,
    heads: 4,
    layers: 4,
    seq: 256,
    batch: 8,
    warmup: 2,
    steps: Number(process.env.BENCH_STEPS ?? 8),
  },
  decode: { vocab: 1024, dModel: 384, heads: 6, layers: 6, tokens: Number(process.env.BENCH_TOKENS ?? 200) },
};

class Decoder extends nn.Module {
  readonly embed: nn.Embedding;
  readonly stack: nn.TransformerStack;
  readonly head: nn.Linear;
  constructor(vocab: number, dModel: number, heads: number, layers: number) {
    super();
    const config = {
      dModel,
      numHeads: heads,
      numLayers: layers,
      dFeedForward: 4 * dModel,
      dropout: 0,
      relativeBuckets: 32,
      relativeMaxDistance: 128,
    };
    this.embed = this.child('embed', new nn.Embedding(vocab, dModel));
    this.stack = this.child('stack', new nn.TransformerStack(config, true, false));
    this.head = this.child('head', new nn.Linear(dModel, vocab));
  }
  forward(tokens: Tensor, cache?: nn.DecoderCache): Tensor {
    return this.head.forward(this.stack.forward(this.embed.forward(tokens), { cache }));
  }
}

function trainMs(): number {
  const a = settings.train;
  const model = new Decoder(a.vocab, a.dModel, a.heads, a.layers);
  const optimizer = new AdamW(model.parameters(), { lr: 1e-4 });
  const step = () =>
    tidy(() => {
      const tokens = randint(0, a.vocab, [a.batch, a.seq + 1]);
      const logits = model.forward(tokens.narrow(1, 0, a.seq));
      const loss = F.crossEntropy(logits.transpose(1, 2), tokens.narrow(1, 1, a.seq));
      loss.backward();
      optimizer.stepWith();
      optimizer.zeroGrad();
      return loss.item();
    });
  for (let k = 0; k < a.warmup; k++) step();
  const t0 = performance.now();
  for (let k = 0; k < a.steps; k++) step();
  const ms = (performance.now() - t0) / a.steps;
  optimizer.dispose();
  model.dispose();
  return ms;
}

function decodeMs(): number {
  const a = settings.decode;
  const model = new Decoder(a.vocab, a.dModel, a.heads, a.layers).eval();
  const run = () =>
    noGrad(() => {
      const cache = new nn.DecoderCache(a.layers, a.tokens);
      let token = full([1, 1], 0, { dtype: 'int64' }).keep();
      for (let k = 0; k < a.tokens; k++) {
        const next = tidy(() => model.forward(token, cache).argmax(-1));
        token.dispose();
        token = next.keep();
      }
      token.dispose();
      cache.dispose();
    });
  run();
  const t0 = performance.now();
  run();
  const ms = (performance.now() - t0) / a.tokens;
  model.dispose();
  return ms;
}

function python(): { trainMs: number; decodeMs: number } | null {
  const script = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    'scripts',
    'bench',
    'engine_reference.py',
  );
  const interpreter = ['/usr/bin/python3', 'python3'].find((p) => p === 'python3' || existsSync(p))!;
  const probe = spawnSync(interpreter, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const run = spawnSync(interpreter, [script, JSON.stringify(settings)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY },
  });
  if (run.status !== 0) throw new Error(`PyTorch reference failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

// Rounds alternate TypeScript and PyTorch, so both see the same spells of load on this shared machine; each
// side's best round is compared.
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
manualSeed(0);
console.log(`threads=${settings.threads} OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY} rounds=${rounds}`);
const ts: { trainMs: number; decodeMs: number }[] = [];
const py: { trainMs: number; decodeMs: number }[] = [];
for (let r = 0; r < rounds; r++) {
  ts.push({ trainMs: trainMs(), decodeMs: decodeMs() });
  const last = ts[r]!;
  const ref = python();
  if (ref) py.push(ref);
  console.log(
    `round ${r + 1}: typescript train ${last.trainMs.toFixed(1)} ms/step, decode ${last.decodeMs.toFixed(2)} ms/token` +
      (ref
        ? `; pytorch train ${ref.trainMs.toFixed(1)} ms/step, decode ${ref.decodeMs.toFixed(2)} ms/token`
        : ''),
  );
}
const best = (list: { trainMs: number; decodeMs: number }[]) => ({
  trainMs: Math.min(...list.map((m) => m.trainMs)),
  decodeMs: Math.min(...list.map((m) => m.decodeMs)),
});
const t = best(ts);
console.log(
  `typescript: train ${t.trainMs.toFixed(1)} ms/step, decode ${t.decodeMs.toFixed(2)} ms/token (best round)`,
);
if (!py.length) {
  console.log('pytorch: not importable (apt-get install python3-torch to compare); ratios need it');
  console.log('train_ratio=NaN decode_ratio=NaN');
} else {
  const p = best(py);
  console.log(
    `pytorch:    train ${p.trainMs.toFixed(1)} ms/step, decode ${p.decodeMs.toFixed(2)} ms/token (best round)`,
  );
  console.log(
    `train_ratio=${(t.trainMs / p.trainMs).toFixed(3)} decode_ratio=${(t.decodeMs / p.decodeMs).toFixed(3)}`,
  );
}
