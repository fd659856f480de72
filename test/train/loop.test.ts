// The shared training loop (src/train/loop.ts) on a tiny linear-regression task: the loss falls; a run
// stopped by a signal and resumed takes exactly the steps (parameters, optimizer moments, data order, RNGs)
// of an uninterrupted one, also across a real SIGTERM to a child process; the best checkpoint follows the
// validation score; a resumed run replaces the log records after its checkpoint; the plot is drawn; the
// data-parallel hook is called as documented and only the main rank writes files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { liveTensorCount, loadSafetensors, readModelInfo, type Tensor, tidy } from '../../src/torch/index.js';
import { EpochOrder } from '../../src/train/batchOrder.js';
import {
  type DataParallel,
  defaultTrainingOptions,
  runFiles,
  runTraining,
  singleProcess,
  type TrainingOptions,
} from '../../src/train/loop.js';
import { readLog, type TrainLogRecord } from '../../src/train/trainLog.js';
import { fileTensors, LinearTask } from './linearTask.js';

const root = mkdtempSync(join(tmpdir(), 'v2meow-loop-'));
after(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const newDir = () => join(root, `run-${++runs}`);

function options(outDir: string, more: Partial<TrainingOptions> = {}): TrainingOptions {
  return {
    ...defaultTrainingOptions,
    outDir,
    learningRate: 0.05,
    warmupSteps: 5,
    maxSteps: 30,
    validateEvery: 5,
    checkpointMinutes: 60,
    log: () => {},
    ...more,
  };
}

const tensorsOf = (path: string) =>
  fileTensors(path, (p) => loadSafetensors(p).tensors as Map<string, Tensor>);
const stepsOf = (path: string) => Number(readModelInfo(path).extra.steps);
/** The log without the fields that differ between identical runs (times). */
const history = (outDir: string) =>
  readLog(join(outDir, runFiles.log)).map(({ time: _t, seconds: _s, cpuSeconds: _c, ...rest }) => rest);

/** Sends this process a SIGTERM (to the loop's handler) while step `at` (0-based) runs. */
const signalAt = (at: number) => (step: number) => {
  if (step === at) process.emit('SIGTERM', 'SIGTERM');
};

describe('runTraining', () => {
  test('the loss falls, the best checkpoint is the best validation score, and no tensor leaks', async () => {
    const outDir = newDir();
    const before = liveTensorCount();
    const task = new LinearTask();
    const summary = await runTraining(task, options(outDir, { maxSteps: 120, validateEvery: 10 }));
    assert.equal(liveTensorCount(), before);
    assert.deepEqual([summary.step, summary.stopReason], [120, 'maxSteps']);
    const records = readLog<TrainLogRecord>(join(outDir, runFiles.log));
    assert.deepEqual(
      records.map((r) => r.step),
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    const mean = (rs: TrainLogRecord[]) => rs.reduce((a, r) => a + r.loss, 0) / rs.length;
    assert.ok(mean(records.slice(-10)) < 0.1 * mean(records.slice(0, 10)), `${mean(records.slice(-10))}`);
    // validation after step 1 and every 10 steps; best.safetensors holds the step of the lowest score
    const validated = records.filter((r) => r.validationScore !== undefined);
    assert.deepEqual(
      validated.map((r) => r.step),
      [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120],
    );
    assert.deepEqual(
      validated.map((r) => r.validationMse),
      task.scores,
    );
    const best = validated.reduce((a, r) =>
      (r.validationScore as number) < (a.validationScore as number) ? r : a,
    );
    assert.equal(stepsOf(join(outDir, runFiles.best)), best.step);
    assert.equal(summary.bestScore, best.validationScore);
    assert.ok(Object.keys(tensorsOf(join(outDir, runFiles.best))).every((n) => n.startsWith('layer.')));
    // the checkpoint: the last step, the optimizer's moments, the loop's state
    const info = readModelInfo(join(outDir, runFiles.checkpoint));
    assert.equal(info.extra.steps, 120);
    assert.deepEqual(info.extra.training, {
      seed: 0,
      worldSize: 1,
      optimizerSteps: 120,
      dataState: 120,
      bestValidationScore: best.validationScore,
      validationScoreName: 'validation mse',
    });
    assert.ok('m.0.0' in tensorsOf(join(outDir, runFiles.checkpoint)));
    // the learning rate warms up, then decays along the cosine
    const lr = records.map((r) => r.lr as number);
    assert.ok(lr[0]! < lr[3]! && lr[4] === 0.05 && lr[60]! < 0.04 && lr[119]! < 0.01, String(lr));
    // the plot, drawn at the final checkpoint
    assert.equal(readFileSync(join(outDir, runFiles.plot)).subarray(1, 4).toString(), 'PNG');
    assert.deepEqual(
      readdirSync(outDir).sort(),
      [runFiles.best, runFiles.checkpoint, runFiles.log, runFiles.plot].sort(),
      'no temporary files left',
    );
  });

  test('stopped by a signal and resumed, a run matches an uninterrupted one step for step', async () => {
    const whole = newDir();
    await runTraining(new LinearTask(), options(whole));

    const parts = newDir();
    const first = await runTraining(new LinearTask({ onStep: signalAt(11) }), options(parts));
    assert.deepEqual([first.step, first.stopReason, first.signal], [12, 'signal', 'SIGTERM']);
    assert.equal(stepsOf(join(parts, runFiles.checkpoint)), 12);
    // a crash after the checkpoint: records of steps that the resumed run will take again
    appendFileSync(
      join(parts, runFiles.log),
      `${JSON.stringify({ step: 13, time: 'x', loss: 999, seconds: 0 })}\n{"step": 14, "lo`,
    );
    const task = new LinearTask();
    const second = await runTraining(task, options(parts));
    assert.equal(task.starts[0]!.from, 'checkpoint');
    assert.deepEqual([second.step, second.stopReason], [30, 'maxSteps']);

    assert.deepEqual(
      tensorsOf(join(parts, runFiles.checkpoint)),
      tensorsOf(join(whole, runFiles.checkpoint)),
    );
    assert.deepEqual(tensorsOf(join(parts, runFiles.best)), tensorsOf(join(whole, runFiles.best)));
    // same batches, same coins, same losses; the file holds each step once
    assert.deepEqual(history(parts), history(whole));
    const lines = readFileSync(join(parts, runFiles.log), 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).step),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    // CPU seconds add up over the resume: never falling, positive at the end
    const cpu = lines.map((l) => JSON.parse(l).cpuSeconds as number);
    assert.ok(
      cpu.every((c, i) => Number.isFinite(c) && c >= 0 && (i === 0 || c >= cpu[i - 1]!)),
      String(cpu),
    );
    assert.ok(cpu[29]! > cpu[11]!);
  });

  test('a fresh run starts from --init weights; a checkpoint in the folder wins over them', async () => {
    const source = newDir();
    await runTraining(new LinearTask(), options(source, { maxSteps: 10 }));
    const init = join(source, runFiles.best);
    const outDir = newDir();
    const task = new LinearTask();
    await runTraining(task, options(outDir, { maxSteps: 0, initFrom: init }));
    assert.deepEqual(task.starts, [{ from: 'init', path: init }]);
    const weights = (path: string) =>
      Object.fromEntries(Object.entries(tensorsOf(path)).filter(([n]) => n.startsWith('layer.')));
    assert.deepEqual(weights(join(outDir, runFiles.checkpoint)), weights(init));
    const again = new LinearTask();
    await runTraining(again, options(outDir, { maxSteps: 2, initFrom: init }));
    assert.equal(again.starts[0]!.from, 'checkpoint');
    await assert.rejects(
      runTraining(new LinearTask(), options(newDir(), { initFrom: join(root, 'missing.safetensors') })),
      /missing\.safetensors: --init weights do not exist/,
    );
  });

  test('a step with non-finite gradients updates nothing; a checkpoint without optimizer state still resumes', async () => {
    const outDir = newDir();
    const messages: string[] = [];
    const log = (m: string) => messages.push(m);
    await runTraining(new LinearTask({ nanAtStep: 2 }), options(outDir, { maxSteps: 5, log }));
    assert.ok(messages.includes('step 3: gradient norm NaN, update skipped'), messages.join('\n'));
    const records = readLog(join(outDir, runFiles.log));
    assert.deepEqual(
      records.map((r) => r.gradNorm === null),
      [false, false, true, false, false],
    );
    const training = readModelInfo(join(outDir, runFiles.checkpoint)).extra.training as {
      optimizerSteps: number;
    };
    assert.equal(training.optimizerSteps, 4);
    // best.safetensors as the checkpoint: the model goes on from there with fresh moments
    copyFileSync(join(outDir, runFiles.best), join(outDir, runFiles.checkpoint));
    messages.length = 0;
    const summary = await runTraining(new LinearTask(), options(outDir, { maxSteps: 8, log }));
    assert.equal(summary.step, 8);
    assert.ok(messages.some((m) => m.endsWith("holds no optimizer state: AdamW's moments start at zero")));
  });

  test('checkpoints every few minutes (0: after every step), each one complete', async () => {
    const outDir = newDir();
    const seen: number[] = [];
    const task = new LinearTask({
      onStep: (step) => {
        if (step > 0) seen.push(stepsOf(join(outDir, runFiles.checkpoint)));
      },
    });
    await runTraining(task, options(outDir, { maxSteps: 4, checkpointMinutes: 0 }));
    // at the start of step k + 1 the checkpoint of step k is there
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(stepsOf(join(outDir, runFiles.checkpoint)), 4);
  });

  test('the data-parallel hook: rank 0 state broadcast once, gradients averaged each step, files on rank 0 only', async () => {
    assert.deepEqual([singleProcess.rank, singleProcess.worldSize, singleProcess.isMain], [0, 1, true]);
    const calls: string[] = [];
    // A rank-1 stand-in that records the calls and broadcasts nothing (as if rank 0 held the same values).
    const rank1: DataParallel = {
      rank: 1,
      worldSize: 2,
      isMain: false,
      broadcastFromMain: async (tensors, what) => {
        calls.push(`broadcast ${tensors.length} ${what}`);
      },
      broadcastNumbers: async (values) => {
        calls.push(`numbers ${values.length}`);
        // rank 0's run state: a fresh run ('{"steps":0}')
        return values.length === 1 ? [11] : Array.from('{"steps":0}', (c) => c.charCodeAt(0));
      },
      averageGradients: async (params) => {
        assert.ok(tidy(() => params.every((p) => p.grad !== null)));
        calls.push('average');
      },
      averageTensors: async () => {
        calls.push('buffers');
      },
      anyRank: async (local) => {
        calls.push(`stop? ${local}`);
        return local;
      },
    };
    const outDir = newDir();
    const task = new LinearTask();
    const summary = await runTraining(task, options(outDir, { maxSteps: 3, parallel: rank1 }));
    assert.equal(summary.step, 3);
    // rank 0's state, then its model (2 parameters + 2 x 2 AdamW moments), no buffers to average (the
    // linear task has none)
    assert.deepEqual(calls, [
      'numbers 1',
      'numbers 11',
      'broadcast 6 linear',
      ...Array.from({ length: 3 }, () => ['stop? false', 'average']).flat(),
      'stop? false',
    ]);
    assert.deepEqual(task.shards, [{ rank: 1, worldSize: 2, seed: 0 }]);
    assert.deepEqual(task.starts, [{ from: 'fresh', replica: true }], 'a replica skips initialisation');
    assert.deepEqual(task.scores, [], 'only the main rank validates');
    assert.ok(!existsSync(outDir), 'only the main rank writes');
    // rank shards: disjoint within an epoch, together every item once
    const orders = [0, 1].map((rank) => new EpochOrder(12, 3, { rank, worldSize: 2, seed: 5 }));
    const epoch = [0, 1].flatMap((index) => orders.flatMap((o) => o.batch(index).items));
    assert.deepEqual(
      [...epoch].sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.deepEqual(orders[0]!.batch(7).items, orders[0]!.batch(7).items);
  });

  test('SIGTERM to a training process: it stops after the step with an intact checkpoint that resumes exactly', async () => {
    const outDir = newDir();
    const loop = fileURLToPath(new URL('../../src/train/loop.js', import.meta.url));
    const linear = fileURLToPath(new URL('./linearTask.js', import.meta.url));
    const script = `
      import { runTraining, defaultTrainingOptions } from ${JSON.stringify(loop)};
      import { LinearTask } from ${JSON.stringify(linear)};
      const summary = await runTraining(new LinearTask({ stepMilliseconds: 20 }), {
        ...defaultTrainingOptions, ...JSON.parse(process.env.LOOP_OPTIONS) });
      process.stderr.write('stopped ' + JSON.stringify(summary) + '\\n');`;
    const common = { learningRate: 0.05, warmupSteps: 5, schedule: 'constant' as const, validateEvery: 5 };
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        V2MEOW_THREADS: '1',
        LOOP_OPTIONS: JSON.stringify({ ...common, outDir, maxSteps: 100_000, checkpointMinutes: 60 }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    while (child.exitCode === null && readLog(join(outDir, runFiles.log)).length < 6)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM: stopping after this step/);
    assert.match(stderr, /stopped .*"stopReason":"signal"/);
    const last = readLog(join(outDir, runFiles.log)).at(-1)!.step;
    assert.equal(stepsOf(join(outDir, runFiles.checkpoint)), last);
    assert.ok(
      readdirSync(outDir).every((f) => !f.startsWith('.')),
      'no temporary files left',
    );
    assert.ok(existsSync(join(outDir, runFiles.plot)));

    const more = { ...common, maxSteps: last + 4, log: () => {} };
    await runTraining(new LinearTask(), options(outDir, more));
    const whole = newDir();
    await runTraining(new LinearTask(), options(whole, more));
    assert.deepEqual(
      tensorsOf(join(outDir, runFiles.checkpoint)),
      tensorsOf(join(whole, runFiles.checkpoint)),
    );
    assert.deepEqual(history(outDir), history(whole));
  });
});
