// A data-parallel training worker for dataParallelTraining.test.ts: a float64 two-layer regression model on
// seeded synthetic data, trained with the calls a trainer makes (dataParallel.ts: broadcast from rank 0,
// shards of the global batch, averaged gradients), then clipGradNorm and AdamW; rank 0 checkpoints every few
// steps and writes the final parameters as JSON. Run as `node dataParallelWorker.js CONFIG_JSON`, alone or
// with the torchrun variables set. Without an argument (as when `node --test` visits this folder) it does
// nothing.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdamW,
  clipGradNorm,
  loadSafetensors,
  saveSafetensors,
  type Tensor,
  tensor,
  tidy,
} from '../../src/torch/index.js';
import { type DataParallel, shardItems } from '../../src/train/dataParallel.js';
import { launchOrJoin, parseLaunchFlags } from '../../src/train/launch.js';
import { createRandom, mixSeed } from '../../src/util/random.js';

export interface WorkerConfig {
  /** Train until this many steps in total. */
  readonly steps: number;
  readonly globalBatch: number;
  /** Rank 0 writes checkpoint.safetensors (every checkpointEvery steps) and params.json here. */
  readonly outDir: string;
  readonly checkpointEvery: number;
  /** Pause after each step (so a test can kill a worker mid-run). */
  readonly stepDelayMs: number;
  readonly timeoutMs: number;
}

const numItems = 48;
const inputs = 6;
const hidden = 12;
const seed = 11;

function randomArray(length: number, label: string, scale: number): Float64Array {
  const random = createRandom(mixSeed(seed, label));
  return Float64Array.from({ length }, () => (random() * 2 - 1) * scale);
}

const features = randomArray(numItems * inputs, 'x', 1);
const targets = Float64Array.from({ length: numItems }, (_, i) => {
  let s = 0;
  for (let k = 0; k < inputs; k++) s += features[i * inputs + k]! * (k % 2 ? 0.7 : -0.4);
  return Math.sin(2 * s);
});

async function run(config: WorkerConfig): Promise<void> {
  const launch = await launchOrJoin(
    parseLaunchFlags({ 'dist-timeout': String(config.timeoutMs / 1000) }),
    () => {},
  );
  if (launch.kind !== 'worker') throw new Error('the test worker is started per rank');
  const dp: DataParallel = launch.parallel;
  const names = ['w1', 'b1', 'w2', 'b2'];
  const params: Tensor[] = [
    tensor(randomArray(hidden * inputs, 'w1', 0.5), [hidden, inputs]),
    tensor(randomArray(hidden, 'b1', 0.1), [hidden]),
    tensor(randomArray(hidden, 'w2', 0.5), [1, hidden]),
    tensor(randomArray(1, 'b2', 0.1), [1]),
  ].map((p) => p.keep().requiresGrad_(true));
  const optimizer = new AdamW(params, { lr: 0.02, weightDecay: 0.01 });
  const checkpointPath = join(config.outDir, 'checkpoint.safetensors');
  let step = 0;
  if (dp.isMain && existsSync(checkpointPath)) {
    const saved = loadSafetensors(checkpointPath);
    step = Number(saved.metadata.step);
    tidy(() => {
      params.forEach((p, k) => {
        p.detach().copy_(saved.tensors.get(names[k]!)!);
      });
      optimizer.loadStateDict(saved.tensors, step);
    });
    for (const t of saved.tensors.values()) t.dispose();
  }
  await dp.broadcastFromMain([...params, ...optimizer.stateDict().values()], 'test model');
  step = (await dp.broadcastNumbers([step]))[0]!;
  optimizer.step = step;
  const initial = Object.fromEntries(params.map((p, k) => [names[k]!, p.toArray()]));
  while (step < config.steps) {
    const items = shardItems({
      numItems,
      seed,
      step: step,
      globalBatchSize: config.globalBatch,
      rank: dp.rank,
      worldSize: dp.worldSize,
    });
    tidy(() => {
      const x = tensor(
        Float64Array.from(
          items.flatMap(({ item }) => [...features.subarray(item * inputs, (item + 1) * inputs)]),
        ),
        [items.length, inputs],
      );
      const y = tensor(
        Float64Array.from(items, ({ item }) => targets[item]!),
        [items.length, 1],
      );
      const h = x.matmul(params[0]!.t()).add(params[1]!).tanh();
      const loss = h.matmul(params[2]!.t()).add(params[3]!).sub(y).square().mean();
      optimizer.zeroGrad();
      loss.backward();
    });
    await dp.averageGradients(params);
    clipGradNorm(params, 0.05); // small enough to clip at every step: it must see the averaged gradients
    optimizer.stepWith();
    step += 1;
    if (dp.isMain && step % config.checkpointEvery === 0) {
      const state = new Map<string, Tensor>(optimizer.stateDict());
      params.forEach((p, k) => {
        state.set(names[k]!, p);
      });
      saveSafetensors(checkpointPath, state, { step: String(step) });
    }
    if (config.stepDelayMs > 0) await new Promise((r) => setTimeout(r, config.stepDelayMs));
  }
  if (dp.isMain) {
    const values = Object.fromEntries(params.map((p, k) => [names[k]!, p.toArray()]));
    writeFileSync(
      join(config.outDir, 'params.json'),
      JSON.stringify({ step, worldSize: dp.worldSize, values, initial }),
    );
  }
  await dp.barrier();
  dp.destroy();
}

if (process.argv[2]) {
  run(JSON.parse(process.argv[2]) as WorkerConfig).then(
    () => {
      process.exitCode = 0;
    },
    (err) => {
      process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
