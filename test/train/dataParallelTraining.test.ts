// Data-parallel training across real processes (dataParallelWorker.ts: the shared loop, loop.ts, with
// c10d/Gloo on 127.0.0.1): two processes with half the batch each end with the parameters of one process with the whole batch (float64, gradient
// clipping and AdamW, 20 steps, within 1e-5); killing one of two workers makes the other exit non-zero with a
// message naming the lost rank, leaves the last checkpoint intact, and one process resumes from it to the same
// parameters as an uninterrupted run.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../../src/torch/index.js';
import { freePort } from '../../src/train/launch.js';
import { slow } from '../helpers.js';
import type { WorkerConfig } from './dataParallelWorker.js';

const worker = join(dirname(fileURLToPath(import.meta.url)), 'dataParallelWorker.js');

interface Exit {
  code: number | null;
  stderr: string;
}

function start(
  config: WorkerConfig,
  env: Record<string, string>,
): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [worker, JSON.stringify(config)], {
    env: { ...process.env, V2MEOW_THREADS: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  // Bounded: no test waits on a worker for more than a minute.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exit = new Promise<Exit>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
  return { child, exit };
}

async function startGroup(config: WorkerConfig, worldSize: number) {
  const port = await freePort();
  return Array.from({ length: worldSize }, (_, rank) =>
    start(config, {
      RANK: String(rank),
      WORLD_SIZE: String(worldSize),
      LOCAL_RANK: String(rank),
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(port),
    }),
  );
}

interface Params {
  step: number;
  worldSize: number;
  values: Record<string, number[]>;
  initial: Record<string, number[]>;
}

function params(dir: string): Params {
  return JSON.parse(readFileSync(join(dir, 'params.json'), 'utf8'));
}

function maxDifference(a: Record<string, number[]>, b: Record<string, number[]>): number {
  let most = 0;
  for (const [name, values] of Object.entries(a)) {
    assert.equal(values.length, b[name]!.length, name);
    values.forEach((v, i) => {
      most = Math.max(most, Math.abs(v - b[name]![i]!));
    });
  }
  return most;
}

describe('data-parallel training across processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'v2meow-dp-'));
  const config = (name: string, extra: Partial<WorkerConfig> = {}): WorkerConfig => {
    const outDir = join(root, name);
    mkdirSync(outDir, { recursive: true });
    return {
      steps: 20,
      globalBatch: 8,
      outDir,
      stepDelayMs: 0,
      timeoutMs: 20_000,
      ...extra,
    };
  };

  test('2 processes x batch 4 = 1 process x batch 8 after 20 steps (float64, clipping, AdamW)', async () => {
    const single = config('single');
    const alone = await start(single, {}).exit;
    assert.equal(alone.code, 0, alone.stderr);
    const pairConfig = config('pair');
    const exits = await Promise.all((await startGroup(pairConfig, 2)).map((w) => w.exit));
    for (const e of exits) assert.equal(e.code, 0, e.stderr);
    const a = params(single.outDir);
    const b = params(pairConfig.outDir);
    assert.equal(a.step, 20);
    assert.equal(b.worldSize, 2);
    const difference = maxDifference(a.values, b.values);
    assert.ok(difference < 1e-5, `max |difference| ${difference}`);
    // training moved the parameters far more than that (so the comparison means something)
    const moved = maxDifference(a.values, a.initial);
    assert.ok(moved > 0.1, `parameters moved by ${moved} at most`);
  });

  test(
    'killing rank 1: rank 0 exits non-zero naming rank 1; the checkpoint is intact; 1 process resumes',
    slow,
    async () => {
      const run = config('killed', { stepDelayMs: 300 });
      const [rank0, rank1] = await startGroup(run, 2);
      const checkpoint = join(run.outDir, 'checkpoint.safetensors');
      const deadline = Date.now() + 45_000;
      while (!existsSync(checkpoint) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(existsSync(checkpoint), 'rank 0 wrote a checkpoint');
      rank1!.child.kill('SIGKILL');
      const killedAt = Date.now();
      const survivor = await rank0!.exit;
      assert.notEqual(survivor.code, 0, survivor.stderr);
      assert.match(survivor.stderr, /rank 1 lost/);
      assert.ok(Date.now() - killedAt < run.timeoutMs, 'exited within the timeout');
      const saved = loadSafetensors(checkpoint);
      const step = Number(saved.metadata.step);
      for (const t of saved.tensors.values()) t.dispose();
      assert.ok(step >= 1 && step < 20, `checkpoint at step ${step}`);
      assert.ok(!existsSync(join(run.outDir, 'params.json')));

      // resume with one process: it continues from the checkpoint to the uninterrupted run's parameters
      const resumed = await start(run, {}).exit;
      assert.equal(resumed.code, 0, resumed.stderr);
      const reference = config('reference');
      assert.equal((await start(reference, {}).exit).code, 0);
      const difference = maxDifference(params(run.outDir).values, params(reference.outDir).values);
      assert.ok(difference < 1e-5, `max |difference| ${difference}`);
    },
  );
});
