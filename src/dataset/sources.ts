// The source files of a training-set build: video folders (kind 'paired') and music folders (kind 'music'),
// listed like the corpus builder's (src/data/sourceFiles.ts: NAME=DIR, stable order, --hold-out), each with
// the SHA-256 of its bytes and the cache key that names its example: a hash of the format version, kind,
// key, content and featurizer ids, so a file is featurized again only when one of those changes.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { listSourceFiles, parseSourceFolders, type SourceFile } from '../data/sourceFiles.js';
import { V2meowError } from '../errors.js';
import { idsFor } from './example.js';
import { datasetFormatVersion, type ExampleKind, type FeaturizerIds } from './format.js';

/** A source folder with the kind of its files. */
export interface DatasetFolder {
  readonly name: string;
  readonly dir: string;
  readonly kind: ExampleKind;
}

/** A file to be an example. */
export interface DatasetSource extends SourceFile {
  readonly kind: ExampleKind;
}

/** Parses `--videos` and `--music` arguments (DIR or NAME=DIR); names are unique across both. */
export function parseDatasetFolders(videos: readonly string[], music: readonly string[]): DatasetFolder[] {
  const folders = parseSourceFolders([...videos, ...music]);
  if (folders.length === 0)
    throw new V2meowError('BAD_ARGUMENT', 'give at least one --videos or --music folder');
  return folders.map((folder, i) => ({ ...folder, kind: i < videos.length ? 'paired' : 'music' }));
}

/** Files of all folders, in folder then key order, and the held-out keys. */
export function listDatasetSources(
  folders: readonly DatasetFolder[],
  heldOut: readonly string[],
): { files: DatasetSource[]; heldOut: string[]; emptyFolders: string[] } {
  const files: DatasetSource[] = [];
  const held: string[] = [];
  const emptyFolders: string[] = [];
  for (const folder of folders) {
    const listed = listSourceFiles(folder, heldOut);
    files.push(...listed.files.map((file) => ({ ...file, kind: folder.kind })));
    held.push(...listed.heldOut);
    if (listed.files.length === 0) emptyFolders.push(folder.dir);
  }
  return { files, heldOut: held, emptyFolders };
}

/** SHA-256 of a file's bytes (read in 1 MiB pieces). */
export function sha256OfFile(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const count = readSync(fd, buffer, 0, buffer.length, null);
      if (count === 0) break;
      hash.update(buffer.subarray(0, count));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The example's file name (without extension): a readable slug of the key and 16 hex digits of its cache key. */
export function exampleName(
  file: { readonly key: string; readonly kind: ExampleKind },
  contentSha256: string,
  ids: FeaturizerIds,
): string {
  const cacheKey = createHash('sha256')
    .update(
      JSON.stringify({
        version: datasetFormatVersion,
        kind: file.kind,
        key: file.key,
        content: contentSha256,
        featurizers: idsFor(file.kind, ids),
      }),
    )
    .digest('hex');
  const slug = file.key
    .replace(/\.[^./]*$/, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(-60);
  return `${slug}-${cacheKey.slice(0, 16)}`;
}
