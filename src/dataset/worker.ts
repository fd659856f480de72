// Entry of a dataset worker process (forked by workerPool.ts): creates its own featurizer from the spec it is
// sent, then makes one example per job message and answers with the result. Examples are written by the
// worker itself (atomically), so only small JSON crosses the process boundary.

import { type ExampleJob, makeExample } from './example.js';
import { createFeaturizerFromSpec, type ExampleFeaturizer, type FeaturizerSpec } from './featurizer.js';
import type { FeaturizerIds } from './format.js';

/** Parent -> worker. */
export type WorkerRequest =
  | { readonly type: 'init'; readonly spec: FeaturizerSpec }
  | { readonly type: 'job'; readonly id: number; readonly job: ExampleJob };

/** Worker -> parent. */
export type WorkerReply =
  | { readonly type: 'ready'; readonly ids: FeaturizerIds }
  | { readonly type: 'done'; readonly id: number; readonly result: import('./example.js').ExampleResult }
  | { readonly type: 'error'; readonly id?: number; readonly message: string; readonly code?: string };

if (process.send) {
  let featurizer: ExampleFeaturizer | undefined;
  const send = (reply: WorkerReply) => process.send!(reply);
  process.on('message', async (request: WorkerRequest) => {
    try {
      if (request.type === 'init') {
        featurizer = await createFeaturizerFromSpec(request.spec);
        send({ type: 'ready', ids: featurizer.ids });
      } else {
        if (!featurizer) throw new Error('worker got a job before its featurizer');
        send({ type: 'done', id: request.id, result: await makeExample(request.job, featurizer) });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: string }).code;
      send({
        type: 'error',
        ...(request.type === 'job' ? { id: request.id } : {}),
        message,
        ...(code ? { code } : {}),
      });
    }
  });
  process.on('disconnect', () => {
    featurizer?.dispose();
    process.exit(0);
  });
}
