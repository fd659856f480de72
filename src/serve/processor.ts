// The generation job itself, run by BullMQ in a sandboxed child process of a worker (worker.ts): loads the
// model once per process (V2MEOW_SERVE_MODEL, as --model), runs V2Meow.generate with progress to
// job.updateProgress, and writes each candidate with the CLI's writer and its mel-spectrogram with beats (the
// CLI's --plot). Files go either straight into the shared data folder (V2MEOW_SERVE_DATA; temporary name,
// then rename) or, for a worker that does not share it (V2MEOW_SERVE_URL + V2MEOW_SERVE_TOKEN), through the
// server's worker file API: the input is downloaded to a scratch folder and each output uploaded back (the
// server writes it under a temporary name and renames it).
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline as pipe } from 'node:stream/promises';
import type { SandboxedJob } from 'bullmq';
import { candidateRhythm, plotCandidate, writeCandidate } from '../generate/outputs.js';
import { V2Meow } from '../generate/pipeline.js';
import {
  type JobData,
  type JobProgress,
  type JobResult,
  jobDir,
  workerFilePath,
  workerInputPath,
} from './jobs.js';

/** Where one job's input is read and its outputs are published. */
interface JobFiles {
  /** Local path of the input video (downloaded first by a remote worker). */
  input(name: string): Promise<string>;
  /** Local path to write output `name` to before publish(). */
  scratch(name: string): string;
  /** Makes the written output visible under its name (rename, or upload). */
  publish(name: string): Promise<void>;
  /** Drops local temporary files. */
  cleanup(): void;
}

/** The data folder is shared with the server: write `.partial-NAME`, rename to NAME. */
function sharedFiles(dataDir: string, id: string): JobFiles {
  const dir = jobDir(dataDir, id);
  mkdirSync(dir, { recursive: true });
  // a retried job starts clean: drop temporary files of a killed attempt
  for (const name of readdirSync(dir)) if (name.startsWith('.partial-')) rmSync(join(dir, name));
  return {
    input: async (name) => join(dir, name),
    scratch: (name) => join(dir, `.partial-${name}`),
    publish: async (name) => renameSync(join(dir, `.partial-${name}`), join(dir, name)),
    cleanup: () => undefined,
  };
}

/** The server is reached over HTTP: a private scratch folder, input downloaded, outputs uploaded. */
function remoteFiles(
  serverUrl: string,
  token: string,
  scratchRoot: string,
  id: string,
  lock: string,
): JobFiles {
  const dir = join(scratchRoot, `${id}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const headers = { Authorization: `Bearer ${token}` };
  const fail = async (response: Response, what: string) => {
    const body = await response.text().catch(() => '');
    throw new Error(`${what}: HTTP ${response.status} ${body.slice(0, 200)}`);
  };
  return {
    async input(name) {
      const path = join(dir, name);
      const response = await fetch(new URL(workerInputPath(id), serverUrl), { headers });
      if (!response.ok || !response.body) await fail(response, 'downloading the input');
      await pipe(Readable.fromWeb(response.body as never), createWriteStream(path));
      return path;
    },
    scratch: (name) => join(dir, name),
    async publish(name) {
      const response = await fetch(new URL(workerFilePath(id, name), serverUrl), {
        method: 'PUT',
        // the job's lock token: the server accepts outputs only from the worker that holds the job
        headers: { ...headers, 'Content-Type': 'application/octet-stream', 'X-Job-Lock': lock },
        body: Readable.toWeb(createReadStream(join(dir, name))) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (!response.ok) await fail(response, `uploading ${name}`);
      await response.arrayBuffer();
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

let model: Promise<V2Meow> | null = null;

// a worker killed mid-job leaves this child orphaned: stop at the next await rather than finish the job and
// publish a second set of outputs next to the retry's
process.once('disconnect', () => process.exit(1));

export default async function generateJob(
  job: SandboxedJob<JobData, JobResult>,
  lock?: string,
): Promise<JobResult> {
  model ??= V2Meow.fromPretrained(process.env.V2MEOW_SERVE_MODEL!);
  const pipeline = await model;
  const id = job.id!;
  const data = job.data;
  const serverUrl = process.env.V2MEOW_SERVE_URL;
  const files = serverUrl
    ? remoteFiles(
        serverUrl,
        process.env.V2MEOW_SERVE_TOKEN ?? '',
        process.env.V2MEOW_SERVE_DATA!,
        id,
        lock ?? '',
      )
    : sharedFiles(process.env.V2MEOW_SERVE_DATA!, id);
  process.stderr.write(`worker ${process.ppid}: job ${id} started\n`);
  try {
    const video = data.input ? await files.input(data.input) : undefined;
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
    const plots: string[] = [];
    for (let k = 0; k < data.candidates; k++) {
      const name = `out-${k + 1}${extension}`;
      await writeCandidate(result, k, files.scratch(name), video);
      const plot = `out-${k + 1}.png`;
      // titled with the client's name for the video, not the job folder's input.EXT
      const named = result.video
        ? { ...result, video: { ...result.video, source: data.inputName ?? 'video' } }
        : result;
      await plotCandidate(named, k, candidateRhythm(result, k), files.scratch(plot));
      // the plot first: once the candidate is visible, so is its plot
      await files.publish(plot);
      await files.publish(name);
      outputs.push(name);
      plots.push(plot);
    }
    process.stderr.write(
      `worker ${process.ppid}: job ${id} done (${result.seconds.toFixed(2)} s of music, ${outputs.length} outputs)\n`,
    );
    return { outputs, plots, seconds: result.seconds, timingsSec: { ...result.timingsSec } };
  } finally {
    files.cleanup();
  }
}
