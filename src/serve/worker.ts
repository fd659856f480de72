// A generation worker: a BullMQ Worker that loads the model once and runs each job through the same
// V2Meow.generate() and output writer (src/generate/outputs.ts) as `v2meow generate`. Progress goes to
// job.updateProgress; each output is written under a temporary name and renamed, so a killed worker leaves no
// output a client could fetch, and the retry (BullMQ's stalled-job check) writes the set afresh. Generation
// runs in a BullMQ sandbox (processor.ts, a child process that keeps its model between jobs) because it holds
// the CPU for long stretches: this process stays free to renew the job's lock, so only a dead worker's job
// is taken for stalled. A worker either shares the server's data folder, or (with `server`) reaches the server's
// worker file API over HTTP with a shared token and keeps only a scratch folder of its own.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConnectionOptions, Worker } from 'bullmq';
import type { JobData, JobResult } from './jobs.js';
import { queueName } from './jobs.js';

export interface WorkerOptions {
  readonly connection: ConnectionOptions;
  /** The server's data folder (shared), or with `server` this worker's own scratch folder. */
  readonly dataDir: string;
  /** The server's URL and worker token, for a worker that does not share the data folder. */
  readonly server?: { readonly url: string; readonly token: string };
  /** Model bundle folder or 'debug'. */
  readonly model: string;
  /** Jobs run at once in this process (default 1: generation uses every core already). */
  readonly concurrency?: number;
  /** Milliseconds of a job lock; a worker silent for that long counts as dead (default 30000). */
  readonly lockDurationMs?: number;
  readonly log?: (line: string) => void;
}

/** Starts a worker (its sandboxed processor loads the model at its first job). */
export async function startWorker(options: WorkerOptions): Promise<{ close(): Promise<void> }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // the forked processor reads its settings from the environment it inherits
  process.env.V2MEOW_SERVE_DATA = resolve(options.dataDir);
  process.env.V2MEOW_SERVE_MODEL = options.model;
  if (options.server) {
    process.env.V2MEOW_SERVE_URL = options.server.url;
    process.env.V2MEOW_SERVE_TOKEN = options.server.token;
  } else {
    delete process.env.V2MEOW_SERVE_URL;
    delete process.env.V2MEOW_SERVE_TOKEN;
  }
  const processor = fileURLToPath(new URL('./processor.js', import.meta.url));
  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker<JobData, JobResult>(queueName, processor, {
    connection: options.connection,
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 2,
  });
  worker.on('failed', (job, error) => log(`worker ${process.pid}: job ${job?.id} failed: ${error.message}`));
  worker.on('error', (error) => log(`worker ${process.pid}: ${error.message}`));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
    },
  };
}
