// Child-process plumbing for Debian's ffmpeg/ffprobe: where the binaries are, running them to completion,
// and turning their stderr into typed V2meowErrors that name the file and the reason.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ErrorCode, V2meowError } from '../errors.js';

/** ffmpeg binary: $FFMPEG_PATH or `ffmpeg` on PATH. */
export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || 'ffmpeg';
}

/** ffprobe binary: $FFPROBE_PATH or `ffprobe` on PATH. */
export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || 'ffprobe';
}

/**
 * A file path as an ffmpeg/ffprobe argument that can never be read as an option (`-report.mp4`) or a protocol
 * (`take:1.mp4`, `http:...`): the `file:` protocol with an absolute path. Every path handed to ffmpeg or
 * ffprobe goes through here.
 */
export function ffmpegFileArgument(path: string): string {
  return `file:${resolve(path)}`;
}

export interface ProcessResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs a binary to completion, collecting stdout (bytes) and stderr (text). Rejects only if it cannot start. */
export function runProcess(binary: string, args: readonly string[], stdin?: Buffer): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) =>
      reject(
        new V2meowError('FFMPEG_FAILED', `cannot run ${binary}: ${error.message}`, undefined, {
          cause: error,
        }),
      ),
    );
    child.on('close', (code) =>
      resolve({
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? -1,
      }),
    );
    if (stdin) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(stdin);
    }
  });
}

/** Throws FILE_NOT_FOUND unless `path` is an existing regular file. */
export function assertInputFile(path: string): void {
  if (!existsSync(path)) throw new V2meowError('FILE_NOT_FOUND', 'no such file', path);
  if (!statSync(path).isFile()) throw new V2meowError('FILE_NOT_FOUND', 'not a regular file', path);
}

/** Maps ffmpeg/ffprobe stderr to an error code and a one-line reason. */
export function classifyFfmpegError(stderr: string): { code: ErrorCode; reason: string } {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const last = lines.at(-1) ?? 'ffmpeg failed without a message';
  const has = (pattern: RegExp) => lines.some((line) => pattern.test(line));
  if (has(/No such file or directory/)) return { code: 'FILE_NOT_FOUND', reason: 'no such file' };
  if (
    has(
      /moov atom not found|Truncated|truncated|partial file|End of file|corrupt|Invalid NAL|error while decoding/i,
    )
  )
    return { code: 'CORRUPT_MEDIA', reason: `truncated or corrupt media (${last})` };
  if (has(/Decoder \(codec .*\) not found|Unknown decoder|no decoder|Could not find codec parameters/i))
    return { code: 'UNSUPPORTED_CODEC', reason: `unsupported codec (${last})` };
  if (has(/Invalid data found when processing input/))
    return { code: 'NOT_MEDIA', reason: 'not a media file ffmpeg can read' };
  return { code: 'FFMPEG_FAILED', reason: last };
}

/** Throws the classified error for a failed ffmpeg run about `path`. */
export function throwFfmpegError(path: string, stderr: string): never {
  const { code, reason } = classifyFfmpegError(stderr);
  // The mp4 demuxer says "moov atom not found" for any file named .mp4; only a file that starts like an ISO
  // media file (a box type at bytes 4..8) is a truncated one, anything else is not media at all.
  if (/moov atom not found/.test(stderr) && !startsWithIsoBox(path))
    throw new V2meowError('NOT_MEDIA', 'not a media file ffmpeg can read', path);
  throw new V2meowError(code, reason, path);
}

function startsWithIsoBox(path: string): boolean {
  try {
    const header = Buffer.alloc(8);
    const descriptor = openSync(path, 'r');
    readSync(descriptor, header, 0, 8, 0);
    closeSync(descriptor);
    return ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(header.toString('latin1', 4, 8));
  } catch {
    return false;
  }
}
