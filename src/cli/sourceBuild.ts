// What `v2meow corpus` and `v2meow dataset` share on the command line: the options of a build from source
// folders (-o OUT_DIR, --seed, --split, --hold-out PATH..., --jobs; the folders themselves, DIR or NAME=DIR,
// are named by src/data/sourceFiles.ts), the per-file progress line, and the `info DIR [--json]` action.
import { parseArgs } from 'node:util';
import { UsageError } from './command.js';

/** parseArgs options of every build from source folders; each command adds its own. */
export const sourceBuildOptions = {
  output: { type: 'string', short: 'o' },
  jobs: { type: 'string' },
  seed: { type: 'string' },
  split: { type: 'string' },
  'hold-out': { type: 'string', multiple: true },
} as const;

/** The output folder of a build: -o OUT_DIR, required. */
export function requiredOutput(output: string | undefined): string {
  if (!output) throw new UsageError('-o OUT_DIR is required');
  return output;
}

/** One source file's progress: `[done/total] status key`, then `details` unless the file was skipped. */
export function fileProgressLine(
  event: { readonly done: number; readonly total: number; readonly status: string; readonly key: string },
  details: () => string,
): string {
  return (
    `[${event.done}/${event.total}] ${event.status.padEnd(7)} ${event.key}` +
    (event.status === 'skipped' ? '\n' : `  ${details()}\n`)
  );
}

/** How an `info` action reads and shows one kind of index. */
export interface InfoAction<I> {
  /** What the folder holds, for the usage error: 'corpus', 'dataset'. */
  readonly what: string;
  /** Reads and checks DIR's index. */
  readonly read: (dir: string) => I;
  /** The object printed with --json. */
  readonly summary: (index: I) => unknown;
  /** The text printed without --json. */
  readonly describe: (index: I) => string;
}

/** `info DIR [--json]`: prints the index of DIR as text or as JSON; returns the exit code. */
export function runInfo<I>(args: string[], action: InfoAction<I>): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError(`give one ${action.what} DIR`);
  const index = action.read(positionals[0]!);
  if (values.json) process.stdout.write(`${JSON.stringify(action.summary(index), null, 2)}\n`);
  else process.stdout.write(`${action.describe(index)}\n`);
  return 0;
}
