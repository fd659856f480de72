// `v2meow models fetch`: downloads manifest files from their upstream URLs (or from a mirror base URL:
// http(s):// or file://), checks size and sha256, and writes them atomically (temp file in the same folder,
// then rename) into a model directory, by default the per-user cache.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V2meowError } from '../errors.js';
import { type ModelEntry, upstreamUrl } from './manifest.js';

export interface FetchOptions {
  /** Model directory to write into (the file lands at `destinationDir/entry.file`). */
  readonly destinationDir: string;
  /**
   * Base URL of a mirror laid out like a model directory (`BASE/yamnet/yamnet.tflite`); http(s):// or
   * file://. Default: the entry's upstream GitHub raw URL.
   */
  readonly mirrorBaseUrl?: string;
}

/** The URL a file is fetched from. */
export function sourceUrl(entry: ModelEntry, mirrorBaseUrl?: string): string {
  if (!mirrorBaseUrl) return upstreamUrl(entry);
  return `${mirrorBaseUrl.replace(/\/+$/, '')}/${entry.file}`;
}

async function download(url: string): Promise<Uint8Array> {
  if (url.startsWith('file://')) return new Uint8Array(readFileSync(fileURLToPath(url)));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Downloads one entry, checks it, and writes it. Resolves to the written path.
 * Throws V2meowError MODEL_MISSING when the download fails, MODEL_CORRUPT when the bytes do not match.
 */
export async function fetchModel(entry: ModelEntry, options: FetchOptions): Promise<string> {
  const url = sourceUrl(entry, options.mirrorBaseUrl);
  let bytes: Uint8Array;
  try {
    bytes = await download(url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new V2meowError(
      'MODEL_MISSING',
      `could not download model '${entry.id}' from ${url}: ${reason}`,
      entry.file,
      {
        cause: error,
      },
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== entry.bytes || sha256 !== entry.sha256) {
    throw new V2meowError(
      'MODEL_CORRUPT',
      `download of model '${entry.id}' from ${url} does not match the manifest ` +
        `(${bytes.length} bytes, sha256 ${sha256}; expected ${entry.bytes} bytes, sha256 ${entry.sha256}); nothing written`,
      entry.file,
    );
  }
  const path = join(options.destinationDir, entry.file);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.partial`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
  return path;
}
