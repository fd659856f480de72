// Serves the study's clips (and nothing else): a requested name must be one of the clip files recorded in the
// study database, so `../`, absolute paths, encoded slashes and other files never reach the file system.
// Supports HTTP Range requests (browsers seek and stream <video> with them).
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { HttpError, send } from './http.js';

/** Parses a single `bytes=` range against a file size; undefined = whole file; throws 416 when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start)
    throw new HttpError(416, 'range not satisfiable');
  return { start, end };
}

/**
 * Answers GET/HEAD for `name` from `mediaDir` if `allowed` holds it; 404 otherwise.
 */
export function serveMedia(
  request: IncomingMessage,
  response: ServerResponse,
  mediaDir: string,
  allowed: ReadonlySet<string>,
  name: string,
): void {
  if (!allowed.has(name)) throw new HttpError(404, 'no such clip');
  sendFile(request, response, join(mediaDir, name), 'video/mp4', () => new HttpError(404, 'no such clip'));
}

/**
 * Answers GET/HEAD with the file at `path` (one byte range when the request asks for it, 416 for a range that
 * cannot be served), streamed. `missing()` is the error thrown when the file cannot be read.
 */
export function sendFile(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  contentType: string,
  missing: () => Error,
  headers: Record<string, string> = {},
): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw missing();
  }
  let range: { start: number; end: number } | undefined;
  try {
    range = parseRange(request.headers.range, size);
  } catch {
    send(response, 416, 'text/plain; charset=utf-8', 'range not satisfiable', {
      'Content-Range': `bytes */${size}`,
    });
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  response.writeHead(range ? 206 : 200, {
    'Content-Type': contentType,
    'Content-Length': String(end - start + 1),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, max-age=3600',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  const stream = createReadStream(path, { start, end });
  stream.on('error', () => response.destroy());
  response.on('close', () => stream.destroy());
  stream.pipe(response);
}
