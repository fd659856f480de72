// The model store: finds each manifest file on disk and checks it before anyone loads it.
// Search order: $V2MEOW_MODELS, then the per-user cache ($XDG_CACHE_HOME/v2meow/models, default
// ~/.cache/v2meow/models), then the project's read-only mirror beside the checkout (../shared/models, or
// $V2MEOW_SHARED/models). A missing or corrupt file is a V2meowError naming the file, where we looked and
// how to get it (`v2meow models fetch ID`).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V2meowError } from '../errors.js';
import { type ModelEntry, manifestEntry, modelManifest } from './manifest.js';

/** One directory the store searches, and why it is on the list. */
export interface ModelDirectory {
  readonly dir: string;
  readonly source: 'V2MEOW_MODELS' | 'user cache' | 'shared mirror';
}

/** The per-user cache directory that `v2meow models fetch` writes into by default. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return resolve(base, 'v2meow', 'models');
}

/** The package root (the folder holding package.json), found by walking up from this module. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** V2MEOW_MODELS values already warned about (once per process each). */
const warnedModelDirs = new Set<string>();

/** Directories searched, in order. A V2MEOW_MODELS that is not a folder is warned about on stderr (once). */
export function modelSearchPath(env: NodeJS.ProcessEnv = process.env): ModelDirectory[] {
  const dirs: ModelDirectory[] = [];
  if (env.V2MEOW_MODELS) {
    const dir = resolve(env.V2MEOW_MODELS);
    dirs.push({ dir, source: 'V2MEOW_MODELS' });
    if (!(existsSync(dir) && statSync(dir).isDirectory()) && !warnedModelDirs.has(dir)) {
      warnedModelDirs.add(dir);
      process.stderr.write(
        `v2meow: warning: V2MEOW_MODELS=${env.V2MEOW_MODELS} is not a folder; models are looked up elsewhere\n`,
      );
    }
  }
  dirs.push({ dir: userCacheDir(env), source: 'user cache' });
  const shared = env.V2MEOW_SHARED ? resolve(env.V2MEOW_SHARED) : resolve(packageRoot(), '..', 'shared');
  dirs.push({ dir: join(shared, 'models'), source: 'shared mirror' });
  return dirs;
}

const hashCache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** Lowercase hex sha256 of a file, memoised by path, size and modification time. */
export function sha256OfFile(path: string): string {
  const stat = statSync(path);
  const cached = hashCache.get(path);
  if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) return cached.sha256;
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  hashCache.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, sha256 });
  return sha256;
}

/** The state of one manifest entry on this machine. */
export interface ModelStatus {
  readonly entry: ModelEntry;
  /** 'ok': found with the right sha256; 'corrupt': found, wrong size or sha256; 'missing': not found. */
  readonly status: 'ok' | 'corrupt' | 'missing';
  /** The first path found, when there is one. */
  readonly path?: string;
  /** sha256 of the found file when it was checked. */
  readonly actualSha256?: string;
}

/** Finds and checks one entry (first directory holding the file wins). */
export function modelStatus(entry: ModelEntry, env: NodeJS.ProcessEnv = process.env): ModelStatus {
  for (const { dir } of modelSearchPath(env)) {
    const path = join(dir, entry.file);
    if (!existsSync(path)) continue;
    if (statSync(path).size !== entry.bytes) return { entry, status: 'corrupt', path };
    const actualSha256 = sha256OfFile(path);
    return { entry, status: actualSha256 === entry.sha256 ? 'ok' : 'corrupt', path, actualSha256 };
  }
  return { entry, status: 'missing' };
}

/** The status of every manifest entry. */
export function listModels(env: NodeJS.ProcessEnv = process.env): ModelStatus[] {
  return modelManifest.map((entry) => modelStatus(entry, env));
}

function howToGet(entry: ModelEntry): string {
  return (
    `get it with \`v2meow models fetch ${entry.id}\` (downloads from github.com/${entry.upstream.repo} ` +
    `and checks sha256), or point V2MEOW_MODELS at a folder holding ${entry.file}`
  );
}

/**
 * Absolute path of a checked model file. Throws V2meowError MODEL_MISSING (lists every directory searched)
 * or MODEL_CORRUPT (expected and actual size / sha256).
 */
export function resolveModel(id: string, env: NodeJS.ProcessEnv = process.env): string {
  const entry = manifestEntry(id);
  const found = modelStatus(entry, env);
  if (found.status === 'ok') return found.path!;
  if (found.status === 'corrupt') {
    const actual = found.actualSha256
      ? `sha256 ${found.actualSha256}, expected ${entry.sha256}`
      : `size ${statSync(found.path!).size} bytes, expected ${entry.bytes}`;
    throw new V2meowError(
      'MODEL_CORRUPT',
      `model '${id}' is corrupt (${actual}); delete it and ${howToGet(entry)}`,
      found.path,
    );
  }
  const looked = modelSearchPath(env)
    .map((d) => `${join(d.dir, entry.file)} (${d.source})`)
    .join(', ');
  throw new V2meowError(
    'MODEL_MISSING',
    `model '${id}' not found; looked in ${looked}; ${howToGet(entry)}`,
    entry.file,
  );
}

/** The bytes of a checked model file (see resolveModel for errors). */
export function readModelBytes(id: string, env: NodeJS.ProcessEnv = process.env): Uint8Array {
  return new Uint8Array(readFileSync(resolveModel(id, env)));
}
