// What server and workers agree on: the BullMQ queue name, the job data (small JSON: generation options and
// the input's file name), the result, the progress payload, the layout of a job folder (DATA/jobs/ID/input.EXT,
// out-N.mp4|wav, out-N.png: the candidate's mel-spectrogram with beats) and the worker file API's paths (for
// workers that do not share the data folder). Ids are 24 random hex digits, checked before touching a path.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { GenerationStep } from '../generate/pipeline.js';

export const queueName = 'v2meow-generate';

/** The options of one generation (the page's form, checked by the server). */
export interface JobOptions {
  /** Style text, or null. */
  readonly text: string | null;
  /** Seconds of music: null = the video from startSec to its end (needed without a video). */
  readonly seconds: number | null;
  readonly startSec: number;
  readonly seed: number;
  readonly candidates: number;
}

export interface JobData extends JobOptions {
  /** Input video file name inside the job folder, or null for a text-only job. */
  readonly input: string | null;
  /** The client's name for the video (shown on the page). */
  readonly inputName: string | null;
  readonly createdMs: number;
  /** Who asked (the client's address), for the per-client limit of queued jobs; never shown. */
  readonly client: string;
}

/** Progress reported with job.updateProgress. */
export interface JobProgress {
  readonly step: GenerationStep;
  readonly done: number;
  readonly total: number;
}

export interface JobResult {
  /** Output file names in the job folder, one per candidate. */
  readonly outputs: string[];
  /** Mel-spectrogram PNG names in the job folder, one per candidate (the CLI's --plot). */
  readonly plots: string[];
  readonly seconds: number;
  readonly timingsSec: Record<string, number>;
}

export function newJobId(): string {
  return randomBytes(12).toString('hex');
}

export function isJobId(value: string): boolean {
  return /^[0-9a-f]{24}$/.test(value);
}

export function jobDir(dataDir: string, id: string): string {
  if (!isJobId(id)) throw new Error(`not a job id: ${id}`);
  return join(dataDir, 'jobs', id);
}

/** Names a worker may publish into a job folder: out-N.mp4|wav (candidate N) and out-N.png (its plot). */
export function isOutputName(name: string): boolean {
  return /^out-[1-9][0-9]?\.(mp4|wav|png)$/.test(name);
}

/** Worker file API (bearer token): GET the input, PUT an output (server.ts serves it, processor.ts calls it). */
export function workerInputPath(id: string): string {
  return `/api/worker/jobs/${id}/input`;
}

export function workerFilePath(id: string, name: string): string {
  return `/api/worker/jobs/${id}/files/${name}`;
}
