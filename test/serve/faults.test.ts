// A worker SIGKILLed mid-job: `v2meow serve --workers 2 --lock-sec 2` on debug weights; the job's lock expires,
// BullMQ's stalled-job check hands it to another worker, and it completes once, with one WAV and no partial file.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'v2meow-serve-faults-'));
let child: ChildProcess | null = null;

after(async () => {
  if (child && child.exitCode === null)
    await new Promise<void>((resolve) => {
      child!.once('exit', () => resolve());
      child!.kill('SIGTERM');
    });
  rmSync(root, { recursive: true, force: true });
});

test('a job whose worker is SIGKILLed finishes on another worker, once', { timeout: 240_000 }, async () => {
  const dataDir = join(root, 'data');
  const args = [
    'serve',
    '--port',
    '0',
    '--data',
    dataDir,
    '--model',
    'debug',
    '--workers',
    '2',
    '--lock-sec',
    '2',
  ];
  child = spawn(process.execPath, [join(repoRoot, 'bin', 'v2meow.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const seen = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(log);
        if (match) {
          child!.stdout!.off('data', check);
          child!.stderr!.off('data', check);
          resolve(match);
        }
      };
      child!.stdout!.on('data', check);
      child!.stderr!.on('data', check);
      child!.once('exit', () => reject(new Error(`server exited: ${log}`)));
      check();
    });
  child.stdout!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const url = (await seen(/v2meow serve: (http:\/\/\S+)/))[1]!;
  await seen(/worker \d+: ready[\s\S]*worker \d+: ready/);
  const response = await fetch(`${url}/api/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ seconds: 120, text: 'slow strings' }),
  });
  assert.equal(response.status, 201);
  const { id } = (await response.json()) as { id: string };
  const started = await seen(new RegExp(`worker (\\d+): job ${id} started`));
  const victim = Number(started[1]);
  process.kill(victim, 'SIGKILL');
  let job: { state: string; outputs: { name: string }[] } = { state: 'waiting', outputs: [] };
  for (let i = 0; i < 400 && job.state !== 'completed' && job.state !== 'failed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = (await (await fetch(`${url}/api/jobs/${id}`)).json()) as typeof job;
  }
  assert.equal(job.state, 'completed', log);
  const finisher = new RegExp(`worker (\\d+): job ${id} started`, 'g');
  const starters = [...log.matchAll(finisher)].map((m) => Number(m[1]));
  assert.ok(starters.length >= 2, log);
  assert.notEqual(starters.at(-1), victim);
  assert.equal((log.match(new RegExp(`job ${id} done`, 'g')) ?? []).length, 1, log);
  assert.deepEqual(
    job.outputs.map((o) => o.name),
    ['out-1.wav'],
  );
  assert.deepEqual(readdirSync(join(dataDir, 'jobs', id)), ['out-1.wav']);
});
