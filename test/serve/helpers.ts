// Shared by the serve tests: start `v2meow serve` / `v2meow worker` as child processes in their own process
// group (so a test can SIGKILL a server with its redis-server and workers, and nothing is left running), wait
// for lines in their output, follow a job's server-sent events, and send requests from another loopback address
// (a second client for the per-client limit).
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { repoRoot } from '../helpers.js';

export interface Proc {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  log(): string;
  /** Resolves with the first match of `pattern` in its output (now or later); rejects if it exits first. */
  seen(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM and wait (the whole group is SIGKILLed after 15 s). */
  stop(): Promise<void>;
  /** SIGKILL the whole process group (the server, its redis-server and workers, their sandboxes). */
  kill(): Promise<void>;
}

const running = new Set<Proc>();

/** Starts `v2meow ARGS` in a new process group. */
export function startCli(args: string[], options: { cwd?: string } = {}): Proc {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'v2meow.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    cwd: options.cwd,
  });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of [...waiters]) check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const proc: Proc = {
    child,
    log: () => output,
    seen(pattern, timeoutMs = 300_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`timed out waiting for ${pattern}:\n${output}`)),
          timeoutMs,
        );
        const done = (error: Error | null, match?: RegExpExecArray) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        const check = () => {
          const match = pattern.exec(output);
          if (match) done(null, match);
          else if (child.exitCode !== null || child.signalCode !== null)
            done(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${output}`));
        };
        waiters.add(check);
        void exited.then(check);
        check();
      });
    },
    async stop() {
      running.delete(proc);
      if (child.exitCode === null && child.signalCode === null) {
        const timer = setTimeout(killGroup, 15_000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(timer);
      }
      killGroup(); // anything of its group still alive
    },
    async kill() {
      running.delete(proc);
      killGroup();
      await exited;
    },
  };
  running.add(proc);
  return proc;
}

/** Kills whatever a test left running (call in after()). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop()));
}

/** `v2meow serve --port 0 --data DIR ARGS`; resolves when it listens. */
export async function startServe(dataDir: string, args: string[] = []): Promise<Proc & { url: string }> {
  const proc = startCli(['serve', '--port', '0', '--data', dataDir, '--model', 'debug', ...args]);
  const url = (await proc.seen(/v2meow serve: (http:\/\/\S+)/, 300_000))[1]!;
  return Object.assign(proc, { url });
}

export type JobView = {
  id: string;
  state: string;
  seed: number;
  input: string | null;
  outputs: { url: string; name: string; plot: string | null }[];
  [key: string]: unknown;
};

/** Reads a job's SSE stream until its `done` event; returns the event names seen and the final job. */
export async function follow(url: string, id: string): Promise<{ events: string[]; job: JobView }> {
  const response = await fetch(`${url}/api/jobs/${id}/events`);
  if (response.status !== 200) throw new Error(`events: HTTP ${response.status}`);
  const events: string[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? '';
      const data = /^data: (.+)$/m.exec(block)?.[1] ?? 'null';
      events.push(event);
      if (event === 'done') return { events, job: JSON.parse(data) };
      end = buffer.indexOf('\n\n');
    }
  }
  throw new Error(`event stream ended without done: ${events.join(',')}`);
}

/** Polls GET /api/jobs/:id until the job has finished (completed or failed). */
export async function waitFinished(url: string, id: string, timeoutMs = 400_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/api/jobs/${id}`);
    const job = (await response.json()) as JobView;
    if (job.state === 'completed' || job.state === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** POSTs a JSON body from the loopback address `localAddress` (127.0.0.x: another client). */
export function postJsonFrom(
  url: string,
  body: unknown,
  localAddress: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
