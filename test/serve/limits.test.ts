// The per-client limit of queued jobs and the expiry of old jobs, on `v2meow serve --workers 0` (jobs stay
// queued; no model runs): a client past its limit gets 429 QUEUE_FULL and nothing is kept, another client
// (another loopback address) is not affected, deleting a job frees a place; with a tiny --expire-hours, queued
// jobs, their uploaded videos and stray folders/uploads disappear and the API answers 404.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { postJsonFrom, startServe, stopAll } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'v2meow-serve-limits-'));

after(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

test('a client past its limit of queued jobs gets 429; others and a freed place are fine', {
  timeout: 600_000,
}, async () => {
  const dataDir = join(root, 'limit');
  const server = await startServe(dataDir, ['--workers', '0', '--max-queued-per-client', '2']);
  const job = { text: 'calm piano', seconds: 1 };
  // three at once from one client: the limit holds even for simultaneous requests
  const first = await Promise.all(
    [1, 2, 3].map(() => postJsonFrom(`${server.url}/api/jobs`, job, '127.0.0.1')),
  );
  const statuses = first.map((r) => r.status).sort();
  assert.deepEqual(statuses, [201, 201, 429]);
  const refused = first.find((r) => r.status === 429)!;
  assert.equal(refused.body.code, 'QUEUE_FULL');
  assert.match(String(refused.body.error), /limit is 2/);
  // another client address is counted apart
  const other = await postJsonFrom(`${server.url}/api/jobs`, job, '127.0.0.2');
  assert.equal(other.status, 201, JSON.stringify(other.body));
  // deleting a queued job frees a place
  const id = String(first.find((r) => r.status === 201)!.body.id);
  assert.equal((await fetch(`${server.url}/api/jobs/${id}`, { method: 'DELETE' })).status, 200);
  assert.equal((await postJsonFrom(`${server.url}/api/jobs`, job, '127.0.0.1')).status, 201);
  assert.equal((await postJsonFrom(`${server.url}/api/jobs`, job, '127.0.0.1')).status, 429);
  assert.deepEqual(readdirSync(join(dataDir, 'uploads')), []);
  await server.stop();
});

test('old jobs expire with their files; stray folders and uploads too', { timeout: 600_000 }, async () => {
  const dataDir = join(root, 'expire');
  const clip = join(root, 'clip.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '1'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip],
  ]);
  // 0.001 h = 3.6 s
  const server = await startServe(dataDir, ['--workers', '0', '--expire-hours', '0.001']);
  const form = new FormData();
  form.append('video', new Blob([new Uint8Array(readFileSync(clip))]), 'clip.mp4');
  const response = await fetch(`${server.url}/api/jobs`, { method: 'POST', body: form });
  assert.equal(response.status, 201);
  const { id } = (await response.json()) as { id: string };
  assert.ok(existsSync(join(dataDir, 'jobs', id, 'input.mp4')));
  assert.equal((await fetch(`${server.url}/api/jobs/${id}`)).status, 200);
  // what a crash between upload and queueing would leave: a folder with no job, a stray upload (old mtimes)
  const stray = join(dataDir, 'jobs', 'abcdefabcdefabcdefabcdef');
  mkdirSync(stray);
  writeFileSync(join(stray, 'input.mp4'), 'x');
  const upload = join(dataDir, 'uploads', 'abcdefabcdefabcdefabcdef.upload');
  writeFileSync(upload, 'x');
  const old = new Date(Date.now() - 3600_000);
  utimesSync(stray, old, old);
  utimesSync(upload, old, old);
  let status = 200;
  for (let i = 0; i < 100 && status === 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = (await fetch(`${server.url}/api/jobs/${id}`)).status;
  }
  assert.equal(status, 404);
  for (let i = 0; i < 50 && readdirSync(join(dataDir, 'jobs')).length > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(readdirSync(join(dataDir, 'jobs')), []);
  assert.deepEqual(readdirSync(join(dataDir, 'uploads')), []);
  assert.match(server.log(), new RegExp(`job ${id} expired`));
  await server.stop();
});
