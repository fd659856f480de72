// A temporary copy of a model bundle with its bundle.json `generation` replaced: how the probe scripts try
// generation settings without touching the shipped bundle.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Copies `bundle` to `dir` (replacing it) with generation = change(the bundle's generation); returns dir. */
export function bundleVariant(
  bundle: string,
  dir: string,
  change: (generation: Record<string, unknown>) => Record<string, unknown>,
): string {
  rmSync(dir, { recursive: true, force: true });
  cpSync(bundle, dir, { recursive: true });
  const manifestPath = join(dir, 'bundle.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(
    manifestPath,
    JSON.stringify({ ...manifest, generation: change({ ...manifest.generation }) }, null, 2),
  );
  return dir;
}
