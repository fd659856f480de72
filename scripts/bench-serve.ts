// `npm run bench:serve`: load on `v2meow serve` (issue 14's check). A server on debug weights with 2 local
// workers; 5 clients (each its own loopback address, 127.0.0.2-6, so each has its own per-client limit) submit
// 4 jobs each at once: 2 uploads of a 2 s clip and 2 text-only 2 s jobs, 20 in all. While they run, a sixth
// client measures the API's latency (GET /api/jobs/:id and GET /, one request at a time). Prints whether all
// 20 completed once (no job lost, none run twice: one "done" line per job in the workers' log, one set of
// outputs per job folder), the wall time, and the median and p95 latency. Nothing is asserted; exit 1 if a
// job was lost or duplicated.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/v2meow.js', import.meta.url));
const clients = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
const jobsPerClient = 4;

function send(
  url: string,
  method: string,
  body: Buffer | null,
  headers: Record<string, string | number>,
  localAddress?: string,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function multipart(fields: Record<string, string>, file: Buffer, fileName: string) {
  const boundary = `----v2meow${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="${fileName}"\r\n` +
        'Content-Type: video/mp4\r\n\r\n',
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'v2meow-bench-serve-'));
  const clip = join(root, 'clip.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '2'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip],
  ]);
  const video = readFileSync(clip);
  const dataDir = join(root, 'data');
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--data', dataDir, '--model', 'debug', '--workers', '2'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  try {
    for (let i = 0; !/worker \d+: ready[\s\S]*worker \d+: ready/.test(log); i++) {
      if (child.exitCode !== null || i > 3000) throw new Error(`serve did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /v2meow serve: (http:\/\/\S+)/.exec(log)![1]!;
    const started = Date.now();
    // every client submits its 4 jobs at once
    const submissions = clients.flatMap((address, c) =>
      Array.from({ length: jobsPerClient }, async (_, k) => {
        const seed = String(c * 10 + k);
        const request =
          k % 2 === 0
            ? multipart({ text: 'calm piano', seed, candidates: '1' }, video, `clip-${c}-${k}.mp4`)
            : {
                body: Buffer.from(JSON.stringify({ text: 'fast drums', seconds: 2, seed: Number(seed) })),
                type: 'application/json',
              };
        const response = await send(
          `${url}/api/jobs`,
          'POST',
          request.body,
          { 'Content-Type': request.type, 'Content-Length': request.body.length },
          address,
        );
        if (response.status !== 201) throw new Error(`POST: ${response.status} ${response.body}`);
        return JSON.parse(response.body.toString()).id as string;
      }),
    );
    const ids = await Promise.all(submissions);
    const submittedMs = Date.now() - started;
    // measure the API while the workers are busy; also poll for the end
    const latency: Record<string, number[]> = { 'GET /api/jobs/:id': [], 'GET /': [] };
    const states = new Map<string, string>();
    for (let i = 0; ; i++) {
      const id = ids[i % ids.length]!;
      let t = performance.now();
      const job = await send(`${url}/api/jobs/${id}`, 'GET', null, {});
      latency['GET /api/jobs/:id']!.push(performance.now() - t);
      states.set(id, JSON.parse(job.body.toString()).state);
      t = performance.now();
      await send(`${url}/`, 'GET', null, {});
      latency['GET /']!.push(performance.now() - t);
      if (i % ids.length === ids.length - 1) {
        const finished = [...states.values()].filter((s) => s === 'completed' || s === 'failed').length;
        if (finished === ids.length) break;
        if (Date.now() - started > 30 * 60_000) break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const wallSec = (Date.now() - started) / 1000;
    const completed = [...states.values()].filter((s) => s === 'completed').length;
    const doneLines = ids.map((id) => (log.match(new RegExp(`job ${id} done`, 'g')) ?? []).length);
    const duplicated = doneLines.filter((n) => n > 1).length;
    const badFolders = ids.filter((id, k) => {
      const files = readdirSync(join(dataDir, 'jobs', id)).sort();
      const expected = k % 2 === 0 ? ['input.mp4', 'out-1.mp4', 'out-1.png'] : ['out-1.png', 'out-1.wav'];
      return JSON.stringify(files) !== JSON.stringify(expected);
    }).length;
    const unique = new Set(ids).size;
    console.log(
      `bench:serve: ${ids.length} jobs (${unique} distinct ids) from ${clients.length} clients, submitted in ${submittedMs} ms; 2 workers, debug weights`,
    );
    console.log(
      `completed ${completed}/${ids.length}, run twice ${duplicated}, job folders not exactly one set of outputs ${badFolders}; all done in ${wallSec.toFixed(1)} s`,
    );
    for (const [name, values] of Object.entries(latency))
      console.log(
        `${name.padEnd(18)} n=${values.length}  median ${quantile(values, 0.5).toFixed(1)} ms  p95 ${quantile(values, 0.95).toFixed(1)} ms  max ${Math.max(...values).toFixed(1)} ms`,
      );
    return completed === ids.length && duplicated === 0 && badFolders === 0 && unique === ids.length ? 0 : 1;
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    rmSync(root, { recursive: true, force: true });
  }
}

process.exitCode = await main();
