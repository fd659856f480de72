// The one place where errors from libraries (Node's fs errno errors, libtorch errors from the native addon)
// become V2meowErrors that name the file they are about, in words a user can act on. Library code wraps the
// work on one file in `withFile`; the CLI passes whatever still escapes through `toV2meowError`.
import { basename } from 'node:path';
import { type ErrorCode, V2meowError } from '../errors.js';

/** Node's errno codes, said in words. */
const errnoWords: Record<string, [ErrorCode, string]> = {
  ENOENT: ['FILE_NOT_FOUND', 'no such file or folder'],
  EISDIR: ['BAD_ARGUMENT', 'is a folder, not a file'],
  ENOTDIR: ['BAD_ARGUMENT', 'a part of the path is a file, not a folder'],
  EEXIST: ['CONFLICT', 'already exists'],
  EACCES: ['NOT_WRITABLE', 'permission denied'],
  EPERM: ['NOT_WRITABLE', 'operation not permitted'],
  EROFS: ['NOT_WRITABLE', 'read-only file system'],
  ENOSPC: ['NOT_WRITABLE', 'no space left on the device'],
  EDQUOT: ['NOT_WRITABLE', 'disk quota exceeded'],
  EXDEV: ['NOT_WRITABLE', 'cannot move across file systems'],
  EMFILE: ['NOT_WRITABLE', 'too many open files'],
  ENAMETOOLONG: ['BAD_ARGUMENT', 'file name too long'],
  ELOOP: ['BAD_ARGUMENT', 'too many symbolic links'],
  EINVAL: ['BAD_ARGUMENT', 'invalid argument for this file'],
  EADDRINUSE: ['CONFLICT', 'address already in use'],
};

/** True for errors Node's fs and net modules throw (they carry an errno `code` like 'ENOENT'). */
function isErrnoError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/** Hidden temporary siblings (`.name.tmp-PID-...ext`, `name.tmp-PID`) are named by the file they become. */
function publicPath(path: string): string {
  const hidden = /^\.(.+)\.tmp-\d+-[0-9a-f]+(\.[^.]*)?$/.exec(basename(path));
  if (hidden) return path.slice(0, path.length - basename(path).length) + hidden[1] + (hidden[2] ?? '');
  return path.replace(/\.tmp-\d+$/, '');
}

/**
 * Turns any error into a V2meowError about `file` (when given): V2meowErrors gain the file if they lack one,
 * errno errors are said in words with the path they name, libtorch errors keep their first line. Other errors
 * (programming errors) are returned unchanged.
 */
export function toV2meowError(error: unknown, file?: string): unknown {
  if (error instanceof V2meowError) {
    if (error.file || !file) return error;
    return new V2meowError(error.code, error.message, file, { cause: error });
  }
  if (isErrnoError(error)) {
    const [code, words] = errnoWords[error.code!] ?? ['BAD_ARGUMENT', error.code!];
    const about = error.path ? publicPath(error.path) : file;
    const detail = file && about && about !== file ? ` (${about})` : '';
    return new V2meowError(code, `${words}${detail}`, file ?? about, { cause: error });
  }
  if (error instanceof Error && /^(libtorch: |fromBuffer: )/.test(error.message)) {
    const first = error.message.split('\n')[0]!.replace(/^libtorch:\s*/, '');
    return new V2meowError('BAD_FORMAT', `cannot be processed: ${first}`, file, { cause: error });
  }
  return error;
}

/** Runs `work` and rethrows whatever it throws as a V2meowError naming `file` (see toV2meowError). */
export async function withFile<T>(file: string, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toV2meowError(error, file);
  }
}

/** Synchronous withFile. */
export function withFileSync<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toV2meowError(error, file);
  }
}
