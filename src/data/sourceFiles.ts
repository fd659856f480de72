// Lists the candidate audio files of the source folders: recursive, in a stable order, skipping hidden
// files, license/readme/text files and other obvious non-audio; everything else is tried with ffmpeg.
// Also names source folders and applies --hold-out (files or folders left out of every split).
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { V2meowError } from '../errors.js';

/** A source folder: its name in the corpus (e.g. 'wesnoth') and its path. */
export interface SourceFolder {
  readonly name: string;
  readonly dir: string;
}

/** A candidate audio file. */
export interface SourceFile {
  /** Source folder name. */
  readonly source: string;
  /** Absolute path of the source folder. */
  readonly root: string;
  /** Absolute path. */
  readonly path: string;
  /** `source/relative/path`, with forward slashes: the key of the split hash. */
  readonly key: string;
}

const notAudioExtensions = new Set(
  'txt md json html htm xml pdf png jpg jpeg gif svg ico gz zip xz bz2 tar sf2 sf3 mid midi cfg ini log yml yaml csv py js ts sh pcm16'.split(
    ' ',
  ),
);
const notAudioNames = /^(license|licence|copying|copyright|readme|authors|changelog|news)(\.|$)/i;

function isCandidate(name: string): boolean {
  if (name.startsWith('.') || notAudioNames.test(name)) return false;
  return !notAudioExtensions.has(extname(name).slice(1).toLowerCase());
}

/**
 * Parses source arguments `DIR` or `NAME=DIR`. Without a name the folder's base name is used; repeated
 * names get -2, -3, ... Throws FILE_NOT_FOUND for a folder that does not exist.
 */
export function parseSourceFolders(args: readonly string[]): SourceFolder[] {
  const used = new Map<string, number>();
  return args.map((arg) => {
    const named = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(arg);
    const dir = resolve(named ? named[2]! : arg);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new V2meowError('FILE_NOT_FOUND', 'source folder does not exist', dir);
    const base = named ? named[1]! : basename(dir);
    const count = (used.get(base) ?? 0) + 1;
    used.set(base, count);
    return { name: count === 1 ? base : `${base}-${count}`, dir };
  });
}

/** True when `path` is one of `heldOut` or inside one of them (both resolved through symlinks). */
function isHeldOut(path: string, heldOut: readonly string[]): boolean {
  return heldOut.some((held) => path === held || path.startsWith(held + sep));
}

/** Resolves hold-out paths; a path that does not exist is an error (a typo would silently leak eval data). */
export function resolveHeldOut(paths: readonly string[]): string[] {
  return paths.map((path) => {
    if (!existsSync(path)) throw new V2meowError('FILE_NOT_FOUND', '--hold-out path does not exist', path);
    return realpathSync(path);
  });
}

/** Candidate files of one folder, sorted by key; the held-out ones are returned apart. */
export function listSourceFiles(
  folder: SourceFolder,
  heldOut: readonly string[],
): { files: SourceFile[]; heldOut: string[] } {
  const files: SourceFile[] = [];
  const held: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const stats = statSync(path, { throwIfNoEntry: false });
      if (!stats) continue;
      if (stats.isDirectory()) {
        if (!entry.startsWith('.')) walk(path);
        continue;
      }
      if (!stats.isFile() || !isCandidate(entry)) continue;
      const key = `${folder.name}/${relative(folder.dir, path).split(sep).join('/')}`;
      if (isHeldOut(realpathSync(path), heldOut)) held.push(key);
      else files.push({ source: folder.name, root: folder.dir, path, key });
    }
  };
  walk(folder.dir);
  return { files, heldOut: held };
}
