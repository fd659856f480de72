// Finding the clips to compare: every media file in a folder, and generated files matched to reference files
// (and videos) by file name without extension, so `gen/clip07.wav` pairs with `ref/clip07.mp4`.
import { readdirSync, statSync } from 'node:fs';
import { extname, join, parse } from 'node:path';
import { V2meowError } from '../errors.js';

/** File extensions treated as media (audio, or video with a soundtrack). */
export const mediaExtensions = new Set([
  '.wav',
  '.flac',
  '.mp3',
  '.ogg',
  '.oga',
  '.opus',
  '.m4a',
  '.aac',
  '.aif',
  '.aiff',
  '.wma',
  '.mp4',
  '.m4v',
  '.mkv',
  '.webm',
  '.mov',
  '.avi',
]);

/** A generated clip with its reference (and video, when given). */
export interface ClipPair {
  /** File name without extension, shared by the matched files. */
  readonly name: string;
  readonly generated: string;
  readonly reference: string;
  readonly video?: string;
}

/**
 * Media files directly inside `folder`, sorted by name. Throws FILE_NOT_FOUND when it is missing or not a
 * folder, EMPTY_FOLDER when it holds no media file, CONFLICT when two files share a name without extension.
 */
export function listMediaFiles(folder: string): Map<string, string> {
  let entries: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new V2meowError('FILE_NOT_FOUND', 'is not a folder', folder);
    entries = readdirSync(folder).sort();
  } catch (error) {
    if (error instanceof V2meowError) throw error;
    throw new V2meowError('FILE_NOT_FOUND', 'folder does not exist or cannot be read', folder, {
      cause: error,
    });
  }
  const files = new Map<string, string>();
  for (const entry of entries) {
    if (entry.startsWith('.') || !mediaExtensions.has(extname(entry).toLowerCase())) continue;
    const path = join(folder, entry);
    if (!statSync(path).isFile()) continue;
    const { name } = parse(entry);
    const previous = files.get(name);
    if (previous)
      throw new V2meowError(
        'CONFLICT',
        `two media files are named "${name}": ${previous} and ${path}`,
        folder,
      );
    files.set(name, path);
  }
  if (files.size === 0)
    throw new V2meowError(
      'EMPTY_FOLDER',
      `no media files (${[...mediaExtensions].join(' ')}) in the folder`,
      folder,
    );
  return files;
}

const preview = (names: readonly string[]) =>
  names.slice(0, 8).join(', ') + (names.length > 8 ? `, ... (${names.length} in all)` : '');

/**
 * Pairs every generated file with the reference (and video) of the same name. Reference files without a
 * generated counterpart are returned in `unusedReferences` (left out of every metric). Throws
 * UNMATCHED_FILES naming the generated files that have no reference, or no video when `videoFolder` is given.
 */
export function matchClips(
  generatedFolder: string,
  referenceFolder: string,
  videoFolder?: string,
): { pairs: ClipPair[]; unusedReferences: string[] } {
  const generated = listMediaFiles(generatedFolder);
  const reference = listMediaFiles(referenceFolder);
  const videos = videoFolder ? listMediaFiles(videoFolder) : undefined;
  const missingReference = [...generated.keys()].filter((name) => !reference.has(name));
  if (missingReference.length > 0)
    throw new V2meowError(
      'UNMATCHED_FILES',
      `no reference file with the same name (without extension) in ${referenceFolder} for: ${preview(missingReference)}`,
      generatedFolder,
    );
  if (videos) {
    const missingVideo = [...generated.keys()].filter((name) => !videos.has(name));
    if (missingVideo.length > 0)
      throw new V2meowError(
        'UNMATCHED_FILES',
        `no video with the same name (without extension) in ${videoFolder} for: ${preview(missingVideo)}`,
        generatedFolder,
      );
  }
  const pairs = [...generated].map(([name, path]) => ({
    name,
    generated: path,
    reference: reference.get(name)!,
    ...(videos ? { video: videos.get(name)! } : {}),
  }));
  const unusedReferences = [...reference].filter(([name]) => !generated.has(name)).map(([, path]) => path);
  return { pairs, unusedReferences };
}
