// `npm run bench:distributed`: training steps per second of a decoder-only Transformer the size of the small
// stage-2 preset (stand-in until that preset lands: d 256, 6 layers, 4 heads, vocab 1024, sequence 500, global
// batch 8, AdamW) with 1 process x 2 threads against 2 data-parallel processes x 1 thread (c10d/Gloo on
// 127.0.0.1, batch 4 each, gradients averaged in 25 MB buckets), side by side in one run, in alternating
// rounds (BENCH_ROUNDS, default 2; BENCH_STEPS timed steps per round, default 4). It also prints the bytes
// all-reduced per step, the share of the step spent averaging gradients (what overlapping it with backward
// could save at most), and what running a collective off the JavaScript thread costs against blocking it.
// Last line: dp_speedup=<2-process steps/s over 1-process steps/s> (best round of each).
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AdamW, F, manualSeed, nn, randint, type Tensor, tensor, tidy } from '../src/torch/index.js';
import { DataParallel } from '../src/train/dataParallel.js';
import { freePort, placementFromEnv } from '../src/train/launch.js';

const model = { vocab: 1024, dModel: 256, heads: 4, layers: 6, seq: 500, globalBatch: 8 };
const steps = Number(process.env.BENCH_STEPS ?? 4);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));

class Decoder extends nn.Module {
  readonly embed: nn.Embedding;
  readonly stack: nn.TransformerStack;
  readonly head: nn.Linear;
  constructor() {
    super();
    const config = {
      dModel: model.dModel,
      numHeads: model.heads,
      numLayers: model.layers,
      dFeedForward: 4 * model.dModel,
      dropout: 0,
      relativeBuckets: 32,
      relativeMaxDistance: 128,
    };
    this.embed = this.child('embed', new nn.Embedding(model.vocab, model.dModel));
    this.stack = this.child('stack', new nn.TransformerStack(config, true, false));
    this.head = this.child('head', new nn.Linear(model.dModel, model.vocab));
  }
  forward(tokens: Tensor): Tensor {
    return this.head.forward(this.stack.forward(this.embed.forward(tokens)));
  }
}

interface WorkerReport {
  stepsPerSecond: number;
  reduceMsPerStep: number;
  bytesPerStep: number;
  numParameters: number;
  /** Mean ms of a 4-byte all-reduce awaited as a Promise (thread pool) and blocking the JS thread (best round). */
  smallAsyncMs?: number;
  smallBlockingMs?: number;
  /** Mean ms of a 25 MB all-reduce, both ways. */
  bucketAsyncMs?: number;
  bucketBlockingMs?: number;
}

/** One worker: trains `steps` timed steps after one warm-up step; rank 0 prints a JSON report. */
async function worker(): Promise<void> {
  const placement = placementFromEnv();
  const dp = placement
    ? await DataParallel.join({ backend: 'gloo', ...placement, timeoutMs: 600_000 })
    : DataParallel.single();
  manualSeed(1 + dp.rank);
  const net = new Decoder();
  const params = net.parameters();
  await dp.broadcastFromMain(params);
  const optimizer = new AdamW(params, { lr: 1e-4 });
  const batch = model.globalBatch / dp.worldSize;
  let reduceMs = 0;
  let bytes = 0;
  const step = async () => {
    tidy(() => {
      const tokens = randint(0, model.vocab, [batch, model.seq + 1]);
      const logits = net.forward(tokens.narrow(1, 0, model.seq));
      F.crossEntropy(logits.transpose(1, 2), tokens.narrow(1, 1, model.seq)).backward();
    });
    const t = performance.now();
    await dp.averageGradients(params);
    reduceMs += performance.now() - t;
    bytes = dp.lastReducedBytes;
    optimizer.stepWith();
    optimizer.zeroGrad();
  };
  await step();
  reduceMs = 0;
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) await step();
  const seconds = (performance.now() - t0) / 1000;
  const report: WorkerReport = {
    stepsPerSecond: steps / seconds,
    reduceMsPerStep: reduceMs / steps,
    bytesPerStep: bytes,
    numParameters: net.numParameters(),
  };
  if (dp.group) {
    // Off the thread (a Promise settled from libuv's pool) against blocking the JavaScript thread: the two
    // alternate, after a warm-up of each size, and each keeps its best of 3 rounds.
    const group = dp.group;
    const time = async (t: Tensor, count: number, blocking: boolean) => {
      const start = performance.now();
      for (let k = 0; k < count; k++) {
        if (blocking) group.allReduceBlocking([t]);
        else await group.allReduce([t]);
      }
      return (performance.now() - start) / count;
    };
    const small = tensor([1]).keep();
    const bucket = tensor(new Float32Array((25 * 1024 * 1024) / 4)).keep();
    await time(small, 10, false);
    await time(bucket, 2, false);
    const best = {
      smallAsync: Infinity,
      smallBlocking: Infinity,
      bucketAsync: Infinity,
      bucketBlocking: Infinity,
    };
    for (let round = 0; round < 3; round++) {
      best.smallAsync = Math.min(best.smallAsync, await time(small, 100, false));
      best.smallBlocking = Math.min(best.smallBlocking, await time(small, 100, true));
      best.bucketAsync = Math.min(best.bucketAsync, await time(bucket, 2, false));
      best.bucketBlocking = Math.min(best.bucketBlocking, await time(bucket, 2, true));
    }
    report.smallAsyncMs = best.smallAsync;
    report.smallBlockingMs = best.smallBlocking;
    report.bucketAsyncMs = best.bucketAsync;
    report.bucketBlockingMs = best.bucketBlocking;
    small.dispose();
    bucket.dispose();
  }
  await dp.barrier();
  if (dp.isMain) console.log(JSON.stringify(report));
  optimizer.dispose();
  net.dispose();
  dp.destroy();
}

/** Runs `processes` workers of `threads` threads each; resolves to rank 0's report. */
async function measure(processes: number, threads: number): Promise<WorkerReport> {
  const port = await freePort();
  const script = fileURLToPath(import.meta.url);
  const outputs = await Promise.all(
    Array.from({ length: processes }, (_, rank) => {
      const env: NodeJS.ProcessEnv = { ...process.env, V2MEOW_THREADS: String(threads), BENCH_WORKER: '1' };
      if (processes > 1)
        Object.assign(env, {
          RANK: String(rank),
          WORLD_SIZE: String(processes),
          LOCAL_RANK: String(rank),
          MASTER_ADDR: '127.0.0.1',
          MASTER_PORT: String(port),
        });
      const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      return new Promise<string>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0 ? resolve(out) : reject(new Error(`worker exited with ${code}`)),
        ),
      );
    }),
  );
  return JSON.parse(outputs[0]!.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  console.log(
    `model: decoder-only Transformer d ${model.dModel}, ${model.layers} layers, ${model.heads} heads, vocab ` +
      `${model.vocab}, seq ${model.seq}, global batch ${model.globalBatch} (stand-in for the small stage-2 preset)`,
  );
  console.log(`steps per round ${steps}, rounds ${rounds}, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY}`);
  const single: WorkerReport[] = [];
  const pair: WorkerReport[] = [];
  for (let r = 0; r < rounds; r++) {
    single.push(await measure(1, 2));
    pair.push(await measure(2, 1));
    console.log(
      `round ${r + 1}: 1 process x 2 threads ${single[r]!.stepsPerSecond.toFixed(3)} steps/s | ` +
        `2 processes x 1 thread ${pair[r]!.stepsPerSecond.toFixed(3)} steps/s`,
    );
  }
  const best = (list: WorkerReport[]) => list.reduce((a, b) => (b.stepsPerSecond > a.stepsPerSecond ? b : a));
  const a = best(single);
  const b = best(pair);
  const stepMs = 1000 / b.stepsPerSecond;
  console.log(`parameters: ${a.numParameters}`);
  console.log(`1 process x 2 threads:    ${a.stepsPerSecond.toFixed(3)} steps/s`);
  console.log(`2 processes x 1 thread:   ${b.stepsPerSecond.toFixed(3)} steps/s`);
  console.log(
    `all-reduced per step: ${(b.bytesPerStep / 2 ** 20).toFixed(1)} MiB (${b.bytesPerStep} bytes), ` +
      `${b.reduceMsPerStep.toFixed(0)} ms = ${((100 * b.reduceMsPerStep) / stepMs).toFixed(1)}% of a step ` +
      '(the most that overlapping it with backward could save)',
  );
  const load = loadavg()[0]!.toFixed(1);
  console.log(`load average at the end: ${load} on ${availableParallelism()} cores (a shared machine)`);
  console.log(
    `4-byte all-reduce: ${b.smallAsyncMs!.toFixed(3)} ms as a Promise, ${b.smallBlockingMs!.toFixed(3)} ms blocking; ` +
      `25 MiB: ${b.bucketAsyncMs!.toFixed(1)} ms as a Promise, ${b.bucketBlockingMs!.toFixed(1)} ms blocking`,
  );
  console.log(`dp_speedup=${(b.stepsPerSecond / a.stepsPerSecond).toFixed(3)}`);
}

if (process.env.BENCH_WORKER) await worker();
else await main();
