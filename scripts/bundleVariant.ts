// A temporary copy of a model bundle with its bundle.json `generation` replaced (and folder parts added or
// replaced, e.g. a style prior): how the probe scripts try generation settings without touching the shipped
// bundle.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathBytes } from '../src/weights/bundle.js';

/**
 * Copies `bundle` to `dir` (replacing it) with generation = change(the bundle's generation) and each folder
 * of `folderParts` (role -> folder; the role is also its kind) copied in as that part; returns dir.
 */
export function bundleVariant(
  bundle: string,
  dir: string,
  change: (generation: Record<string, unknown>) => Record<string, unknown>,
  folderParts: Readonly<Record<string, string>> = {},
): string {
  rmSync(dir, { recursive: true, force: true });
  cpSync(bundle, dir, { recursive: true });
  const manifestPath = join(dir, 'bundle.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const parts = { ...manifest.parts };
  for (const [role, source] of Object.entries(folderParts)) {
    rmSync(join(dir, role), { recursive: true, force: true });
    cpSync(source, join(dir, role), { recursive: true });
    parts[role] = {
      path: role,
      kind: role,
      id: role,
      bytes: pathBytes(join(dir, role)),
      provenance: { source },
    };
  }
  writeFileSync(
    manifestPath,
    JSON.stringify({ ...manifest, parts, generation: change({ ...manifest.generation }) }, null, 2),
  );
  return dir;
}
