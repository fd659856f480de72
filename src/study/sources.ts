// Finding a study's inputs: the videos in a folder, each system's soundtrack for each video (matched by file
// name without extension; a soundtrack may be an audio file or a video with audio), and optional genres.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { V2meowError } from '../errors.js';

export const videoExtensions = ['.mp4', '.mov', '.mkv', '.webm', '.avi', '.m4v'];
export const soundtrackExtensions = [
  ...videoExtensions,
  '.wav',
  '.flac',
  '.mp3',
  '.ogg',
  '.opus',
  '.m4a',
  '.aac',
];

/** A system under comparison: a name shown in reports and the folder holding its soundtracks. */
export interface SystemSource {
  readonly name: string;
  readonly dir: string;
}

/** One video and the soundtrack file each system made for it (system name -> path). */
export interface MatchedVideo {
  readonly name: string;
  readonly path: string;
  readonly soundtracks: ReadonlyMap<string, string>;
}

export interface MatchResult {
  readonly videos: readonly MatchedVideo[];
  /** Human-readable notes about videos or soundtracks left out. */
  readonly warnings: readonly string[];
}

const systemNamePattern = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/;

/** Parses `NAME=DIR`. Names: letters, digits, space . _ + - (max 64). */
export function parseSystemArgument(text: string): SystemSource {
  const equals = text.indexOf('=');
  const name = equals > 0 ? text.slice(0, equals).trim() : '';
  const dir = equals > 0 ? text.slice(equals + 1) : '';
  if (!systemNamePattern.test(name) || dir.length === 0)
    throw new V2meowError('BAD_ARGUMENT', `--system wants NAME=DIR with a plain name, got '${text}'`);
  return { name, dir };
}

/** Media files of a folder by stem (file name without extension). Throws on two files with one stem. */
function filesByStem(dir: string, extensions: readonly string[]): Map<string, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new V2meowError('FILE_NOT_FOUND', 'no such folder', dir);
  const result = new Map<string, string>();
  for (const entry of readdirSync(dir).sort()) {
    const extension = extname(entry).toLowerCase();
    if (!extensions.includes(extension) || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (!statSync(path).isFile()) continue;
    const stem = entry.slice(0, entry.length - extension.length);
    const previous = result.get(stem);
    if (previous)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `two files for '${stem}' (${previous} and ${path}); keep one`,
        dir,
      );
    result.set(stem, path);
  }
  return result;
}

/**
 * Matches every video in `videosDir` with each system's soundtrack of the same name. Videos with fewer than
 * two systems' soundtracks are left out with a warning; throws BAD_ARGUMENT if no video remains.
 */
export function matchSources(videosDir: string, systems: readonly SystemSource[]): MatchResult {
  const names = new Set<string>();
  for (const system of systems) {
    if (names.has(system.name)) throw new V2meowError('BAD_ARGUMENT', `system '${system.name}' given twice`);
    names.add(system.name);
  }
  if (systems.length < 2)
    throw new V2meowError('BAD_ARGUMENT', 'a pairwise study needs at least two --system');
  const videos = filesByStem(videosDir, videoExtensions);
  const soundtracks = systems.map((system) => ({
    system,
    files: filesByStem(system.dir, soundtrackExtensions),
  }));
  const warnings: string[] = [];
  const matched: MatchedVideo[] = [];
  for (const [name, path] of videos) {
    const found = new Map<string, string>();
    const missing: string[] = [];
    for (const { system, files } of soundtracks) {
      const file = files.get(name);
      if (file) found.set(system.name, file);
      else missing.push(system.name);
    }
    if (missing.length > 0) warnings.push(`${name}: no soundtrack from ${missing.join(', ')}`);
    if (found.size < 2) {
      warnings.push(`${name}: left out (fewer than two soundtracks)`);
      continue;
    }
    matched.push({ name, path, soundtracks: found });
  }
  for (const { system, files } of soundtracks)
    for (const stem of files.keys())
      if (!videos.has(stem)) warnings.push(`${system.name}: ${stem} matches no video; ignored`);
  if (matched.length === 0)
    throw new V2meowError('BAD_ARGUMENT', 'no video has soundtracks from two systems', videosDir);
  return { videos: matched, warnings };
}

/**
 * Reads genres: a JSON object {"video name": "genre"} (.json) or CSV lines `video,genre` (a header line
 * `video,genre` is skipped). Returns video name -> genre.
 */
export function readGenres(path: string): Map<string, string> {
  if (!existsSync(path)) throw new V2meowError('FILE_NOT_FOUND', 'no such genres file', path);
  if (!statSync(path).isFile())
    throw new V2meowError('BAD_ARGUMENT', 'is not a file; --genres wants a .json or .csv file', path);
  const text = readFileSync(path, 'utf8');
  const result = new Map<string, string>();
  if (extname(path).toLowerCase() === '.json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new V2meowError('BAD_FORMAT', `not JSON (${(error as Error).message})`, path);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new V2meowError('BAD_FORMAT', 'want an object {"video": "genre"}', path);
    for (const [video, genre] of Object.entries(parsed)) {
      if (typeof genre !== 'string')
        throw new V2meowError('BAD_FORMAT', `genre of '${video}' is not a string`, path);
      result.set(video, genre);
    }
    return result;
  }
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || (index === 0 && /^video\s*,\s*genre$/i.test(trimmed))) return;
    const comma = trimmed.indexOf(',');
    if (comma <= 0) throw new V2meowError('BAD_FORMAT', `line ${index + 1}: want 'video,genre'`, path);
    result.set(trimmed.slice(0, comma).trim(), trimmed.slice(comma + 1).trim());
  });
  return result;
}
