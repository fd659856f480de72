// The git commit of the running code, for provenance records (training checkpoints, model bundles):
// V2MEOW_GIT_COMMIT when set (a build outside a checkout), else `git rev-parse HEAD` in the package's folder.
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The commit hash, with `+dirty` when tracked files differ from it; null outside a git checkout. */
export function gitCommit(): string | null {
  if (process.env.V2MEOW_GIT_COMMIT) return process.env.V2MEOW_GIT_COMMIT;
  const cwd = dirname(fileURLToPath(import.meta.url));
  try {
    const options = {
      cwd,
      encoding: 'utf8' as const,
      stdio: ['ignore', 'pipe', 'ignore'] as ('ignore' | 'pipe')[],
    };
    const head = execFileSync('git', ['rev-parse', 'HEAD'], options).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], options).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return null;
  }
}
