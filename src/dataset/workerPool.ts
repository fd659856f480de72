// Runs example jobs: in this process with a featurizer object (jobs run `concurrency` at a time, so one
// file's ffmpeg decode overlaps another's models), or in `jobs` forked worker processes that each create
// their featurizer from a FeaturizerSpec (the models are CPU-bound and single-process JavaScript). Each
// worker gets floor(cores / jobs) libtorch threads unless V2MEOW_THREADS is set.
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { V2meowError } from '../errors.js';
import type { ExampleJob, ExampleResult } from './example.js';
import { makeExample } from './example.js';
import type { ExampleFeaturizer, FeaturizerSpec } from './featurizer.js';
import type { FeaturizerIds } from './format.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

/** Runs jobs; `run` resolves with the result or rejects with the job's error. */
export interface JobRunner {
  run(job: ExampleJob): Promise<ExampleResult>;
  /** How many jobs it runs at once. */
  readonly slots: number;
  close(): Promise<void>;
}

/** A runner over one featurizer object in this process. */
export function inProcessRunner(featurizer: ExampleFeaturizer, slots: number): JobRunner {
  return { slots, run: (job) => makeExample(job, featurizer), close: async () => {} };
}

interface Worker {
  readonly child: ChildProcess;
  busy?: { readonly job: ExampleJob; resolve(result: ExampleResult): void; reject(error: Error): void };
  exited: boolean;
}

/** Forks `jobs` workers, each creating a featurizer from `spec`; resolves once all are ready. */
export async function processPoolRunner(
  spec: FeaturizerSpec,
  jobs: number,
  ids: FeaturizerIds,
): Promise<JobRunner> {
  const script = fileURLToPath(new URL('./worker.js', import.meta.url));
  const threads =
    process.env.V2MEOW_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / jobs)));
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const waiting: (() => void)[] = [];
  let nextId = 0;
  let fatal: Error | undefined;

  const start = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const child = fork(script, [], {
        env: { ...process.env, V2MEOW_THREADS: threads },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
      const worker: Worker = { child, exited: false };
      workers.push(worker);
      child.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          if (JSON.stringify(reply.ids) === JSON.stringify(ids)) return resolve(worker);
          return reject(
            new V2meowError(
              'FEATURIZE_FAILED',
              `worker featurizer ids ${JSON.stringify(reply.ids)} differ from featurizerIds()`,
            ),
          );
        }
        const pending = worker.busy;
        if (reply.type === 'error' && reply.id === undefined)
          return reject(new V2meowError('FEATURIZE_FAILED', `worker could not start: ${reply.message}`));
        if (!pending) return;
        worker.busy = undefined;
        if (reply.type === 'done') pending.resolve(reply.result);
        else
          pending.reject(
            new V2meowError(
              'FEATURIZE_FAILED',
              reply.message.replace(`${pending.job.path}: `, ''),
              pending.job.path,
            ),
          );
        idle.push(worker);
        waiting.shift()?.();
      });
      child.on('exit', (code, signal) => {
        worker.exited = true;
        const error = new V2meowError(
          'FEATURIZE_FAILED',
          `worker process exited (${signal ?? `code ${code}`})`,
          worker.busy?.job.path,
        );
        fatal ??= error;
        worker.busy?.reject(error);
        worker.busy = undefined;
        reject(error);
        for (const wake of waiting.splice(0)) wake();
      });
      child.send({ type: 'init', spec } satisfies WorkerRequest);
    });

  try {
    idle.push(...(await Promise.all(Array.from({ length: jobs }, start))));
  } catch (error) {
    for (const worker of workers) if (!worker.exited) worker.child.kill('SIGTERM');
    throw error;
  }
  return {
    slots: jobs,
    async run(job) {
      while (idle.length === 0 && !fatal) await new Promise<void>((wake) => waiting.push(wake));
      if (fatal) throw fatal;
      const worker = idle.pop()!;
      return new Promise<ExampleResult>((resolve, reject) => {
        worker.busy = { job, resolve, reject };
        worker.child.send({ type: 'job', id: nextId++, job } satisfies WorkerRequest);
      });
    },
    async close() {
      await Promise.all(
        workers
          .filter((worker) => !worker.exited)
          .map(
            (worker) =>
              new Promise<void>((resolve) => {
                worker.child.once('exit', () => resolve());
                worker.child.disconnect();
              }),
          ),
      );
    },
  };
}
