// Outputs are written to a temporary file in the destination folder and renamed at the end, so a failure
// never leaves a half-written file under the final name, and the temporary file is removed on failure.
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { V2meowError } from '../errors.js';
import { toV2meowError } from '../util/fileErrors.js';

/** A hidden sibling of `path` with the same extension (ffmpeg picks the muxer from it). */
export function temporaryPathFor(path: string): string {
  const extension = extname(path);
  const stem = basename(path, extension);
  return join(dirname(path), `.${stem}.tmp-${process.pid}-${randomBytes(4).toString('hex')}${extension}`);
}

/**
 * Runs `write(temporaryPath)`, then renames the temporary file to `path`. On any error the temporary file is
 * removed and the error rethrown (file-system errors as V2meowErrors naming `path`, never the temporary file).
 * Throws FILE_NOT_FOUND when the destination folder does not exist. Commands check their outputs earlier, with
 * util/outputPath.ts, before any work.
 */
export async function writeAtomically<T>(
  path: string,
  write: (temporaryPath: string) => Promise<T> | T,
): Promise<T> {
  const folder = dirname(path);
  if (!existsSync(folder))
    throw new V2meowError('FILE_NOT_FOUND', `output folder ${folder} does not exist`, path);
  if (!statSync(folder).isDirectory())
    throw new V2meowError('NOT_WRITABLE', `${folder} is not a folder`, path);
  if (existsSync(path) && statSync(path).isDirectory())
    throw new V2meowError('BAD_ARGUMENT', 'is a folder; give a file name for the output', path);
  const temporaryPath = temporaryPathFor(path);
  try {
    const result = await write(temporaryPath);
    renameSync(temporaryPath, path);
    return result;
  } catch (error) {
    rmSync(temporaryPath, { force: true });
    throw toV2meowError(error, path);
  }
}

/** Writes bytes to `path` through a temporary file. */
export function writeFileAtomically(path: string, bytes: Uint8Array): Promise<void> {
  return writeAtomically(path, (temporaryPath) => writeFileSync(temporaryPath, bytes));
}
