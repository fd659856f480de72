// Faults on debug weights with --lock-sec 2 (a silent worker's job is taken back after ~2 s):
// - a local worker SIGKILLed mid-job: BullMQ's stalled-job check hands the job to the other worker and it
//   completes once, with one WAV, its plot and no partial file;
// - the whole server SIGKILLed (its process group: serve, its redis-server, workers) with jobs finished, running
//   and queued, then restarted on the same data folder: every job is still there (Redis's append-only file)
//   and the unfinished ones complete;
// - two `v2meow worker --server URL` processes that do not share the server's data folder (their own scratch
//   folders and working folders): they download inputs and upload outputs over HTTP; one is SIGKILLed mid-job
//   and the other finishes it, once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Proc, startCli, startServe, stopAll, waitFinished } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'v2meow-serve-faults-'));

after(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

async function postJson(url: string, body: unknown): Promise<string> {
  const response = await fetch(`${url}/api/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { id: string }).id;
}

const count = (log: string, pattern: string) => (log.match(new RegExp(pattern, 'g')) ?? []).length;

test('a job whose worker is SIGKILLed finishes on another worker, once', { timeout: 600_000 }, async () => {
  const dataDir = join(root, 'worker-kill');
  const server = await startServe(dataDir, ['--workers', '2', '--lock-sec', '2']);
  await server.seen(/worker \d+: ready[\s\S]*worker \d+: ready/);
  const id = await postJson(server.url, { seconds: 15, text: 'slow strings' });
  const started = await server.seen(new RegExp(`worker (\\d+): job ${id} started`));
  const victim = Number(started[1]);
  process.kill(victim, 'SIGKILL');
  const job = await waitFinished(server.url, id);
  const log = server.log();
  assert.equal(job.state, 'completed', log);
  const starters = [...log.matchAll(new RegExp(`worker (\\d+): job ${id} started`, 'g'))].map((m) =>
    Number(m[1]),
  );
  assert.ok(starters.length >= 2, log);
  assert.notEqual(starters.at(-1), victim);
  assert.equal(count(log, `job ${id} done`), 1, log);
  assert.deepEqual(
    job.outputs.map((o) => o.name),
    ['out-1.wav'],
  );
  assert.deepEqual(readdirSync(join(dataDir, 'jobs', id)).sort(), ['out-1.png', 'out-1.wav']);
  await server.stop();
});

test('SIGKILL the server with its redis-server and workers, restart: no job is lost', {
  timeout: 600_000,
}, async () => {
  const dataDir = join(root, 'server-kill');
  const args = ['--workers', '1', '--lock-sec', '2'];
  let server = await startServe(dataDir, args);
  await server.seen(/worker \d+: ready/);
  const finished = await postJson(server.url, { seconds: 1, text: 'calm piano' });
  assert.equal((await waitFinished(server.url, finished)).state, 'completed');
  const running = await postJson(server.url, { seconds: 20, seed: 1 });
  const queued = await postJson(server.url, { seconds: 2, seed: 2 });
  await server.seen(new RegExp(`job ${running} started`));
  await server.kill();
  server = await startServe(dataDir, args);
  // everything is still known at once, before any worker ran
  const states = await Promise.all(
    [finished, running, queued].map(async (id) => {
      const response = await fetch(`${server.url}/api/jobs/${id}`);
      assert.equal(response.status, 200, id);
      return ((await response.json()) as { state: string }).state;
    }),
  );
  assert.equal(states[0], 'completed');
  const wav = await fetch(`${server.url}/api/jobs/${finished}/outputs/1`);
  assert.equal(
    Buffer.from(await wav.arrayBuffer())
      .subarray(0, 4)
      .toString('latin1'),
    'RIFF',
  );
  for (const id of [running, queued]) {
    const job = await waitFinished(server.url, id);
    assert.equal(job.state, 'completed', server.log());
    assert.deepEqual(readdirSync(join(dataDir, 'jobs', id)).sort(), ['out-1.png', 'out-1.wav']);
    assert.equal(count(server.log(), `job ${id} done`), 1, server.log());
  }
  await server.stop();
});

test('two workers that do not share the data folder: HTTP inputs and outputs, one SIGKILLed mid-job', {
  timeout: 600_000,
}, async () => {
  const dataDir = join(root, 'remote');
  const server = await startServe(dataDir, ['--workers', '0', '--lock-sec', '2']);
  const redis = /redis (unix:[^\s,]+)/.exec(server.log())![1]!;
  const tokenFile = join(root, 'token'); // a copy, as another machine would have it
  execFileSync('cp', [join(dataDir, 'worker-token'), tokenFile]);
  const workers: Proc[] = [];
  const scratch: string[] = [];
  for (const name of ['a', 'b']) {
    const home = join(root, `machine-${name}`);
    mkdirSync(home);
    scratch.push(join(home, 'scratch'));
    workers.push(
      startCli(
        [
          ...['worker', '--redis', redis, '--server', server.url, '--token-file', tokenFile],
          ...['--data', 'scratch', '--model', 'debug', '--lock-sec', '2'],
        ],
        { cwd: home },
      ),
    );
  }
  await Promise.all(workers.map((w) => w.seen(/ready/)));
  const clip = join(root, 'clip.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '2'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip],
  ]);
  // a long text job: one worker takes it and is killed; then a video job
  const long = await postJson(server.url, { seconds: 15, text: 'slow strings' });
  const started = new RegExp(`job ${long} started`);
  const victim = await Promise.race(workers.map((w) => w.seen(started).then(() => w)));
  await victim.kill();
  const survivor = workers.find((w) => w !== victim)!;
  const form = new FormData();
  form.append('video', new Blob([new Uint8Array(readFileSync(clip))]), 'clip.mp4');
  form.append('candidates', '2');
  const response = await fetch(`${server.url}/api/jobs`, { method: 'POST', body: form });
  assert.equal(response.status, 201);
  const video = ((await response.json()) as { id: string }).id;
  const longJob = await waitFinished(server.url, long);
  const videoJob = await waitFinished(server.url, video);
  assert.equal(longJob.state, 'completed', survivor.log());
  assert.equal(videoJob.state, 'completed', survivor.log());
  assert.equal(count(survivor.log(), `job ${long} done`), 1);
  assert.equal(count(victim.log(), `job ${long} done`), 0);
  assert.deepEqual(readdirSync(join(dataDir, 'jobs', long)).sort(), ['out-1.png', 'out-1.wav']);
  assert.deepEqual(readdirSync(join(dataDir, 'jobs', video)).sort(), [
    'input.mp4',
    'out-1.mp4',
    'out-1.png',
    'out-2.mp4',
    'out-2.png',
  ]);
  const output = await fetch(`${server.url}${videoJob.outputs[1]!.url}`);
  assert.equal(output.headers.get('content-type'), 'video/mp4');
  assert.ok((await output.arrayBuffer()).byteLength > 1000);
  // the survivor kept nothing; the data folder never reached the workers' folders
  assert.deepEqual(readdirSync(scratch[workers.indexOf(survivor)]!), []);
  await survivor.stop();
  await server.stop();
});
