// The one check every command runs on its output paths before doing any work: the folder exists and is a
// writable folder on a real file system (never /proc, /sys, /dev or another pseudo file system, where writes
// fail late or recursive mkdir never returns), the path is not a folder, not one of the inputs, and ends in an
// extension the command writes. Failures are V2meowErrors naming the path, so the CLI prints one line.
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { dirname, extname, resolve, sep } from 'node:path';
import { V2meowError } from '../errors.js';

/** statfs magic numbers of Linux pseudo file systems (linux/magic.h): kernel views, not storage. */
const pseudoFileSystems = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x1cd1, // devpts
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x64626720, // debugfs
  0x73636673, // securityfs
  0x74726163, // tracefs
  0x62656570, // configfs
  0xcafe4a11, // bpf
  0x6165676c, // pstore
  0xde5e81e4, // efivarfs
  0x65735543, // fusectl
  0x19800202, // mqueue
]);

/** Folders that hold kernel views or devices, whatever statfs says (devtmpfs reports tmpfs's magic). */
const pseudoRoots = ['/proc', '/sys', '/dev'];

/** The deepest existing folder on the way to `path` (resolved), and its real path. */
function nearestExisting(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return realpathSync(dir);
}

/** Throws NOT_WRITABLE when `path` (or the folder it would be created in) lies on a pseudo file system. */
export function assertRealFileSystem(path: string): void {
  const existing = nearestExisting(path);
  const underPseudoRoot = pseudoRoots.some((root) => existing === root || existing.startsWith(root + sep));
  let pseudoType = false;
  try {
    pseudoType = pseudoFileSystems.has(Number(statfsSync(existing).type));
  } catch {
    // statfs unsupported here: the path prefixes above still apply.
  }
  if (underPseudoRoot || pseudoType)
    throw new V2meowError(
      'NOT_WRITABLE',
      `${existing} is a system folder, not a place for output files`,
      path,
    );
}

function assertWritableFolder(folder: string, path: string, what: string): void {
  if (!existsSync(folder))
    throw new V2meowError('FILE_NOT_FOUND', `${what} folder ${folder} does not exist`, path);
  if (!statSync(folder).isDirectory())
    throw new V2meowError('NOT_WRITABLE', `${folder} is not a folder`, path);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw new V2meowError('NOT_WRITABLE', `cannot write into the folder ${folder} (permission denied)`, path);
  }
}

/** True when `a` and `b` name the same existing file (same device and inode), e.g. through links. */
function sameFile(a: string, b: string): boolean {
  try {
    const left = statSync(a);
    const right = statSync(b);
    return left.dev === right.dev && left.ino === right.ino;
  } catch {
    return false;
  }
}

export interface OutputFileRule {
  /** Extensions the command writes (lowercase, with the dot, e.g. ['.wav']); the path must end in one. */
  readonly extensions?: readonly string[];
  /** Input files of the same run: the output may not be any of them. */
  readonly inputs?: readonly (string | undefined)[];
}

/**
 * Checks an output file path before any work (see the file header). Returns the path resolved. Throws
 * V2meowError FILE_NOT_FOUND (no such folder), NOT_WRITABLE, BAD_ARGUMENT (a folder, an input, wrong extension).
 */
export function checkOutputFile(path: string, rule: OutputFileRule = {}): string {
  const resolved = resolve(path);
  const extension = extname(resolved).toLowerCase();
  if (rule.extensions && !rule.extensions.includes(extension))
    throw new V2meowError(
      'BAD_ARGUMENT',
      `output must end in ${rule.extensions.join(' or ')} (this command writes that format), got '${extension || 'no extension'}'`,
      path,
    );
  assertRealFileSystem(resolved);
  if (existsSync(resolved)) {
    const stats = statSync(resolved);
    if (stats.isDirectory())
      throw new V2meowError('BAD_ARGUMENT', 'is a folder; give a file name for the output', path);
    if (!stats.isFile())
      throw new V2meowError('BAD_ARGUMENT', 'is not a regular file; give a file name for the output', path);
    for (const input of rule.inputs ?? [])
      if (input !== undefined && sameFile(resolved, input))
        throw new V2meowError('BAD_ARGUMENT', 'output is the input file; write to another file', path);
  }
  assertWritableFolder(dirname(resolved), path, 'output');
  return resolved;
}

export interface OutputFolderRule {
  /** The folder must be empty (or missing). */
  readonly empty?: boolean;
}

/**
 * Checks an output (or cache) folder before any work: an existing writable folder, or a missing one whose
 * parent is an existing writable folder on a real file system (one level is created, as for output files).
 * Returns the path resolved.
 */
export function checkOutputFolder(path: string, rule: OutputFolderRule = {}): string {
  const resolved = resolve(path);
  assertRealFileSystem(resolved);
  if (existsSync(resolved)) {
    if (!statSync(resolved).isDirectory())
      throw new V2meowError('BAD_ARGUMENT', 'is a file; give a folder for the output', path);
    assertWritableFolder(resolved, path, 'output');
    if (rule.empty && readdirSync(resolved).length > 0)
      throw new V2meowError('BAD_ARGUMENT', 'folder exists and is not empty', path);
    return resolved;
  }
  assertWritableFolder(dirname(resolved), path, 'parent');
  return resolved;
}

/**
 * Checks and creates an output folder (see checkOutputFolder). Returns the folder when this call created it,
 * or undefined when it existed, so a failed run can remove it again.
 */
export function makeOutputFolder(path: string): string | undefined {
  const resolved = checkOutputFolder(path);
  if (existsSync(resolved)) return undefined;
  try {
    mkdirSync(resolved);
    return resolved;
  } catch (error) {
    throw new V2meowError('NOT_WRITABLE', `cannot create the folder (${(error as Error).message})`, path, {
      cause: error,
    });
  }
}
