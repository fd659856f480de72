// Small HTTP helpers over node:http for the rater web app: JSON and HTML responses with safe headers, request
// bodies read under a byte limit, cookies, and the mapping from V2meowError codes to HTTP statuses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { V2meowError } from '../errors.js';

/** An error that is answered with `status` and `message` as is. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Largest JSON body accepted, in bytes. Ratings are ~100 bytes. */
export const maxBodyBytes = 8 * 1024;
/** Past this many bytes of an oversized body we stop draining it and drop the connection. */
const maxDrainBytes = 16 * 1024 * 1024;

const securityHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; media-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
};

export function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) return;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, {
    ...securityHeaders,
    'Content-Type': contentType,
    'Content-Length': String(bytes.length),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : bytes);
}

export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
}

export function sendHtml(response: ServerResponse, status: number, html: string): void {
  send(response, status, 'text/html; charset=utf-8', html);
}

/** Status for an error thrown while handling a request (V2meowError codes from src/study). */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof V2meowError) {
    if (error.code === 'BAD_ARGUMENT') return 400;
    if (error.code === 'FORBIDDEN') return 403;
    if (error.code === 'NOT_FOUND') return 404;
    if (error.code === 'CONFLICT') return 409;
    if (error.code === 'BUSY') return 429;
  }
  return 500;
}

/**
 * Reads a JSON request body of at most `maxBodyBytes`. Requires `Content-Type: application/json` (which also
 * keeps cross-site HTML forms out). Throws HttpError 413 / 415 / 400. An oversized body is drained (not
 * buffered) so the client still reads the 413, up to a cap past which the connection is dropped.
 */
export function readJsonBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      request.resume();
      reject(new HttpError(415, 'send the body as application/json'));
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    let received = 0;
    let tooLarge = declared > maxBodyBytes;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBodyBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      else if (received > maxDrainBytes) request.destroy();
    });
    request.on('error', () => reject(new HttpError(400, 'request body could not be read')));
    request.on('end', () => {
      if (tooLarge) return reject(new HttpError(413, `request body larger than ${maxBodyBytes} bytes`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'request body is not valid JSON'));
      }
    });
  });
}

/** Cookie value by name, or undefined. */
export function readCookie(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const equals = part.indexOf('=');
    if (equals > 0 && part.slice(0, equals).trim() === name) return part.slice(equals + 1).trim();
  }
  return undefined;
}

/**
 * Rejects requests whose Host header names another server (421): a DNS-rebinding page that points its own
 * name at this machine is refused before any route, so the Origin check below, which compares against Host,
 * can rely on Host. `allowed` holds lowercase host names without port (IPv6 in brackets).
 */
export function assertAllowedHost(request: IncomingMessage, allowed: ReadonlySet<string>): void {
  const header = request.headers.host;
  if (!header) throw new HttpError(400, 'the request has no Host header');
  // A host name, an IPv4 address or a bracketed IPv6 address, and a port: no user info, paths or spaces.
  if (!/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(header))
    throw new HttpError(400, 'bad Host header');
  let hostname: string;
  try {
    hostname = new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    throw new HttpError(400, 'bad Host header');
  }
  if (!allowed.has(hostname))
    throw new HttpError(
      421,
      `this server does not answer for host '${hostname}' (start it with --allow-host)`,
    );
}

/**
 * Rejects cross-site state changes: when the browser names an Origin, its host must be the one requested.
 */
export function assertSameOrigin(request: IncomingMessage): void {
  const origin = request.headers.origin;
  if (!origin) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'bad Origin header');
  }
  if (host !== request.headers.host) throw new HttpError(403, 'cross-site requests are not accepted');
}
