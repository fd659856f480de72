// `v2meow serve` end to end on debug weights, localhost only: the real CLI as a child process (its private
// redis-server, one worker process). A 3 s lavfi clip is uploaded and followed through its server-sent events
// to an mp4 with a video and an audio stream and a mel-spectrogram PNG per candidate; a text-only job gives a
// WAV, and "again" with another seed a different one; bad uploads and bad worker-API calls get their 4xx and
// leave nothing in the data folder; ids outside the id pattern are 404; a restarted server still lists
// finished jobs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { follow, type Proc, startServe, stopAll } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'v2meow-serve-'));
const dataDir = join(root, 'data');
const clip = join(root, 'clip.mp4');
const tone = join(root, 'tone.wav');
let server: (Proc & { url: string }) | null = null;

function serve() {
  return startServe(dataDir, ['--max-upload-mb', '1']);
}

async function stop(): Promise<void> {
  const proc = server;
  server = null;
  await proc?.stop();
}

function streamsOf(path: string): string[] {
  return execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type',
    '-of',
    'csv=p=0',
    path,
  ])
    .toString()
    .trim()
    .split('\n');
}

function upload(file: Buffer, name: string, fields: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('video', new Blob([new Uint8Array(file)]), name);
  return fetch(`${server!.url}/api/jobs`, { method: 'POST', body: form });
}

function token(): string {
  return readFileSync(join(dataDir, 'worker-token'), 'utf8').trim();
}

/** What the data folder holds besides Redis's files. */
function leftovers(): string[] {
  return [...readdirSync(join(dataDir, 'jobs')), ...readdirSync(join(dataDir, 'uploads'))];
}

before(async () => {
  const lavfi = ['-v', 'error', '-y', '-f', 'lavfi'];
  execFileSync('ffmpeg', [
    ...lavfi,
    '-i',
    'testsrc=size=160x120:rate=25',
    ...['-f', 'lavfi', '-i', 'sine=frequency=330'],
    ...['-t', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip],
  ]);
  execFileSync('ffmpeg', [...lavfi, '-i', 'sine=frequency=440', '-t', '1', tone]);
  server = await serve();
});

after(async () => {
  await stop();
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

let videoJob = '';
let textJob = '';
let textWav = Buffer.alloc(0);

test('a 3 s clip with a style: events to done, two mp4 candidates with video and audio', {
  timeout: 600_000,
}, async () => {
  const response = await upload(readFileSync(clip), 'clip.mp4', {
    text: 'calm piano',
    candidates: '2',
    seed: '3',
  });
  assert.equal(response.status, 201);
  const created = (await response.json()) as { id: string; state: string };
  assert.match(created.id, /^[0-9a-f]{24}$/);
  const { events, job } = await follow(server!.url, created.id);
  assert.equal(events[0], 'state');
  assert.equal(job.state, 'completed');
  const outputs = job.outputs;
  assert.deepEqual(
    outputs.map((o) => o.name),
    ['out-1.mp4', 'out-2.mp4'],
  );
  assert.equal(job.musicSeconds, 3);
  const output = await fetch(`${server!.url}${outputs[0]!.url}`);
  assert.equal(output.status, 200);
  assert.equal(output.headers.get('content-type'), 'video/mp4');
  const saved = join(root, 'out.mp4');
  writeFileSync(saved, Buffer.from(await output.arrayBuffer()));
  assert.deepEqual(streamsOf(saved).sort(), ['audio', 'video']);
  const partial = await fetch(`${server!.url}${outputs[1]!.url}`, { headers: { Range: 'bytes=0-9' } });
  assert.equal(partial.status, 206);
  assert.equal((await partial.arrayBuffer()).byteLength, 10);
  const plot = await fetch(`${server!.url}${outputs[1]!.plot}`);
  assert.equal(plot.headers.get('content-type'), 'image/png');
  const png = Buffer.from(await plot.arrayBuffer());
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.deepEqual(readdirSync(join(dataDir, 'jobs', created.id)).sort(), [
    'input.mp4',
    'out-1.mp4',
    'out-1.png',
    'out-2.mp4',
    'out-2.png',
  ]);
  videoJob = created.id;
});

test('a text-only JSON job gives a WAV of the asked length', { timeout: 600_000 }, async () => {
  const response = await fetch(`${server!.url}/api/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text: 'fast drums', seconds: 2 }),
  });
  assert.equal(response.status, 201);
  const { id } = (await response.json()) as { id: string };
  const { job } = await follow(server!.url, id);
  assert.equal(job.state, 'completed');
  const wav = await fetch(`${server!.url}/api/jobs/${id}/outputs/1?download`);
  assert.equal(wav.headers.get('content-type'), 'audio/wav');
  assert.match(wav.headers.get('content-disposition') ?? '', /attachment/);
  const bytes = Buffer.from(await wav.arrayBuffer());
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'RIFF');
  assert.equal(bytes.length, 44 + 2 * 16000 * 2); // 16-bit mono 16 kHz, 2 s
  textJob = id;
  textWav = bytes;
});

test('again with another seed: the same options, the new seed, different music', {
  timeout: 600_000,
}, async () => {
  const response = await fetch(`${server!.url}/api/jobs/${textJob}/again`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ seed: 7 }),
  });
  assert.equal(response.status, 201);
  const created = (await response.json()) as { id: string; seed: number; text: string; seconds: number };
  assert.notEqual(created.id, textJob);
  assert.deepEqual([created.seed, created.text, created.seconds], [7, 'fast drums', 2]);
  const { job } = await follow(server!.url, created.id);
  assert.equal(job.state, 'completed');
  const wav = Buffer.from(await (await fetch(`${server!.url}${job.outputs[0]!.url}`)).arrayBuffer());
  assert.equal(wav.length, textWav.length);
  assert.notDeepEqual(wav, textWav);
  // without a body: a random seed
  const random = await fetch(`${server!.url}/api/jobs/${textJob}/again`, { method: 'POST' });
  assert.equal(random.status, 201);
  const randomJob = (await random.json()) as { id: string; seed: number };
  assert.ok(Number.isInteger(randomJob.seed));
  assert.equal((await follow(server!.url, randomJob.id)).job.state, 'completed');
});

test('bad requests get their 4xx with a code and leave nothing behind', { timeout: 600_000 }, async () => {
  const before = leftovers();
  const cases: [Promise<Response>, number, string][] = [
    [upload(Buffer.from('hello, not a video'), 'notes.mp4'), 400, 'NOT_MEDIA'],
    [upload(readFileSync(tone), 'tone.mp4'), 400, 'NO_VIDEO_STREAM'],
    [upload(Buffer.alloc(2 * 1024 * 1024, 7), 'big.mp4'), 413, 'TOO_LARGE'],
    [upload(readFileSync(clip), 'clip.mp4', { candidates: '99' }), 400, 'BAD_ARGUMENT'],
    [upload(readFileSync(clip), 'clip.mp4', { start: '5' }), 400, 'BAD_ARGUMENT'],
    [
      fetch(`${server!.url}/api/jobs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: 'no length' }),
      }),
      400,
      'BAD_ARGUMENT',
    ],
    [fetch(`${server!.url}/api/jobs`, { method: 'POST', body: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      fetch(`${server!.url}/api/jobs/${videoJob}/again`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ seed: -1 }),
      }),
      400,
      'BAD_ARGUMENT',
    ],
    [fetch(`${server!.url}/api/jobs/000000000000000000000000/again`, { method: 'POST' }), 404, 'NOT_FOUND'],
    // the worker file API wants the token in data/worker-token, and a running job
    [fetch(`${server!.url}/api/worker/jobs/${videoJob}/input`), 401, 'UNAUTHORIZED'],
    [
      fetch(`${server!.url}/api/worker/jobs/${videoJob}/files/out-1.mp4`, {
        method: 'PUT',
        headers: { Authorization: 'Bearer wrong' },
        body: 'x',
      }),
      401,
      'UNAUTHORIZED',
    ],
    [
      fetch(`${server!.url}/api/worker/jobs/${videoJob}/files/out-1.mp4`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${token()}` },
        body: 'x',
      }),
      409,
      'CONFLICT',
    ],
    [
      fetch(`${server!.url}/api/worker/jobs/${videoJob}/files/input.mp4`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${token()}` },
        body: 'x',
      }),
      400,
      'BAD_ARGUMENT',
    ],
  ];
  for (const [request, status, code] of cases) {
    const response = await request;
    const body = (await response.json()) as { error: string; code: string };
    assert.equal(response.status, status, body.error);
    assert.equal(body.code, code, body.error);
    assert.ok(body.error.length > 0);
  }
  assert.deepEqual(leftovers(), before);
  assert.deepEqual(readdirSync(join(dataDir, 'jobs', videoJob)).sort(), [
    'input.mp4',
    'out-1.mp4',
    'out-1.png',
    'out-2.mp4',
    'out-2.png',
  ]);
  // the token opens the worker file API: the job's input, byte for byte
  const input = await fetch(`${server!.url}/api/worker/jobs/${videoJob}/input`, {
    headers: { Authorization: `Bearer ${token()}` },
  });
  assert.equal(input.status, 200);
  assert.deepEqual(Buffer.from(await input.arrayBuffer()), readFileSync(clip));
});

test('unknown ids, traversal attempts and missing outputs are 404', async () => {
  for (const path of [
    '/api/jobs/000000000000000000000000',
    '/api/jobs/..%2F..%2Fredis',
    '/api/jobs/../../etc/passwd',
    `/api/jobs/${videoJob}/outputs/3`,
    `/api/jobs/${videoJob}/outputs/..%2Finput.mp4`,
    `/api/jobs/${videoJob}/outputs/0`,
    `/api/jobs/${videoJob}/plots/3`,
    `/api/jobs/${videoJob}/plots/..%2F..%2Fworker-token`,
    '/api/nothing',
  ]) {
    const response = await fetch(`${server!.url}${path}`);
    assert.equal(response.status, 404, path);
    assert.equal(((await response.json()) as { code: string }).code, 'NOT_FOUND');
  }
});

test('the page, its script and the style preview are served', async () => {
  const page = await fetch(`${server!.url}/`);
  assert.match(await page.text(), /<script src="\/serve.js"><\/script>/);
  assert.equal((await fetch(`${server!.url}/serve.js`)).status, 200);
  const style = (await (await fetch(`${server!.url}/api/style?text=calm%20piano`)).json()) as {
    tags: { label: string }[];
  };
  assert.ok(
    style.tags.some((t) => t.label === 'mtt:piano'),
    JSON.stringify(style),
  );
});

test('a restarted server still lists finished jobs; DELETE removes a job and its files', {
  timeout: 600_000,
}, async () => {
  await stop();
  server = await serve();
  assert.ok(server.url);
  const response = await fetch(`${server!.url}/api/jobs/${videoJob}`);
  assert.equal(response.status, 200);
  const job = (await response.json()) as { state: string; outputs: unknown[] };
  assert.equal(job.state, 'completed');
  assert.equal(job.outputs.length, 2);
  const deleted = await fetch(`${server!.url}/api/jobs/${videoJob}`, { method: 'DELETE' });
  assert.equal(deleted.status, 200);
  assert.equal(existsSync(join(dataDir, 'jobs', videoJob)), false);
  assert.equal((await fetch(`${server!.url}/api/jobs/${videoJob}`)).status, 404);
});
