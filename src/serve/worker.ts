// A generation worker: a BullMQ Worker that loads the model once and runs each job through the same
// V2Meow.generate() and output writer (src/generate/outputs.ts) as `v2meow generate`. Progress goes to
// job.updateProgress; each output is written under a temporary name and renamed, so a killed worker leaves no
// output a client could fetch, and the retry (BullMQ's stalled-job check) writes the set afresh.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type ConnectionOptions, Worker } from 'bullmq';
import { writeCandidate } from '../generate/outputs.js';
import { V2Meow } from '../generate/pipeline.js';
import { type JobData, type JobProgress, type JobResult, jobDir, queueName } from './jobs.js';

export interface WorkerOptions {
  readonly connection: ConnectionOptions;
  readonly dataDir: string;
  /** Model bundle folder or 'debug'. */
  readonly model: string;
  /** Jobs run at once in this process (default 1: generation uses every core already). */
  readonly concurrency?: number;
  /** Milliseconds of a job lock; a worker silent for that long counts as dead (default 30000). */
  readonly lockDurationMs?: number;
  readonly log?: (line: string) => void;
}

/** Starts a worker; resolves once the model is loaded. */
export async function startWorker(options: WorkerOptions): Promise<{ close(): Promise<void> }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const model = await V2Meow.fromPretrained(options.model);
  const worker = new Worker<JobData, JobResult>(
    queueName,
    async (job) => {
      const id = job.id!;
      const dir = jobDir(options.dataDir, id);
      const data = job.data;
      // a retried job starts clean: drop temporary files of a killed attempt
      if (existsSync(dir))
        for (const name of readdirSync(dir)) if (name.startsWith('.partial-')) rmSync(join(dir, name));
      const video = data.input ? join(dir, data.input) : undefined;
      let last = 0;
      let lastStep = '';
      const result = await model.generate({
        video,
        text: data.text ?? undefined,
        seconds: data.seconds ?? undefined,
        startSec: data.startSec,
        seed: data.seed,
        candidates: data.candidates,
        onProgress: (p) => {
          const now = Date.now();
          if (p.step === lastStep && now - last < 250 && p.done < p.total) return;
          last = now;
          lastStep = p.step;
          const progress: JobProgress = { step: p.step, done: p.done, total: p.total };
          void job.updateProgress(progress as unknown as object).catch(() => undefined);
        },
      });
      const extension = video ? '.mp4' : '.wav';
      const outputs: string[] = [];
      for (let k = 0; k < data.candidates; k++) {
        const name = `out-${k + 1}${extension}`;
        const partial = join(dir, `.partial-${name}`);
        await writeCandidate(result, k, partial, video);
        renameSync(partial, join(dir, name));
        outputs.push(name);
      }
      log(`worker: job ${id} done (${result.seconds.toFixed(2)} s of music, ${outputs.length} outputs)`);
      return { outputs, seconds: result.seconds, timingsSec: { ...result.timingsSec } };
    },
    {
      connection: options.connection,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: Math.min(30_000, options.lockDurationMs ?? 30_000),
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, error) => log(`worker: job ${job?.id} failed: ${error.message}`));
  worker.on('error', (error) => log(`worker: ${error.message}`));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      model.dispose();
    },
  };
}
