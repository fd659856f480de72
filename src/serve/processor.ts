// The generation job itself, run by BullMQ in a sandboxed child process of a worker (worker.ts): loads the
// model once per process (V2MEOW_SERVE_MODEL, as --model), runs V2Meow.generate with progress to
// job.updateProgress, and writes each candidate with the CLI's writer under a temporary name, then renames it.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxedJob } from 'bullmq';
import { writeCandidate } from '../generate/outputs.js';
import { V2Meow } from '../generate/pipeline.js';
import { type JobData, type JobProgress, type JobResult, jobDir } from './jobs.js';

let model: Promise<V2Meow> | null = null;

export default async function generateJob(job: SandboxedJob<JobData, JobResult>): Promise<JobResult> {
  const dataDir = process.env.V2MEOW_SERVE_DATA!;
  model ??= V2Meow.fromPretrained(process.env.V2MEOW_SERVE_MODEL!);
  const pipeline = await model;
  const id = job.id!;
  const dir = jobDir(dataDir, id);
  const data = job.data;
  process.stderr.write(`worker ${process.ppid}: job ${id} started\n`);
  // a retried job starts clean: drop temporary files of a killed attempt
  if (existsSync(dir))
    for (const name of readdirSync(dir)) if (name.startsWith('.partial-')) rmSync(join(dir, name));
  const video = data.input ? join(dir, data.input) : undefined;
  let last = 0;
  let lastStep = '';
  const result = await pipeline.generate({
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
      void Promise.resolve(job.updateProgress(progress as unknown as object)).catch(() => undefined);
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
  process.stderr.write(
    `worker ${process.ppid}: job ${id} done (${result.seconds.toFixed(2)} s of music, ${outputs.length} outputs)\n`,
  );
  return { outputs, seconds: result.seconds, timingsSec: { ...result.timingsSec } };
}
