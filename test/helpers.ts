// Shared test helpers: where the read-only shared folder is, and how slow real-model tests are marked.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from dist/test/..., so walk up to the folder holding package.json). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

/** ../shared beside the checkout, or V2MEOW_SHARED. */
export const sharedDir = resolve(process.env.V2MEOW_SHARED ?? join(repoRoot, '..', 'shared'));
export const mediaDir = join(sharedDir, 'media');
export const goldenDir = join(sharedDir, 'golden');
export const modelsDir = resolve(process.env.V2MEOW_MODELS ?? join(sharedDir, 'models'));

/**
 * Options for a slow test (real models, real media, many seconds). They run by default and in CI;
 * V2MEOW_SKIP_SLOW=1 skips them during quick development loops.
 */
export const slow = { skip: process.env.V2MEOW_SKIP_SLOW ? 'V2MEOW_SKIP_SLOW is set' : false } as const;
