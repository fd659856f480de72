// `study serve`: the rater web app over node:http (no framework: eight routes, and every byte of validation
// is ours to see). HTTP handling lives here; all study logic (raters, assignments, ratings, progress) is the
// src/study functions the CLI also calls. One better-sqlite3 connection; each handler runs its synchronous
// transaction to completion, and a rating is committed before its 200 is sent.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import {
  type AssignmentOptions,
  createRater,
  isAnswer,
  isRaterId,
  mediaFolderName,
  nextAssignment,
  openStudyDatabase,
  type RatingInput,
  readSettings,
  type StudyDatabase,
  studyProgress,
  submitRating,
  touchRater,
} from '../study/index.js';
import { clientScript } from './client.js';
import {
  assertAllowedHost,
  assertSameOrigin,
  HttpError,
  readCookie,
  readJsonBody,
  send,
  sendHtml,
  sendJson,
  statusOf,
} from './http.js';
import { serveMedia } from './media.js';
import { adminPage, errorPage, raterPage } from './pages.js';
import { styles } from './styles.js';

export const raterCookie = 'v2meow_rater';

export interface StudyServerOptions {
  readonly studyDir: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1 (use 0.0.0.0 to let other machines in). */
  readonly host?: string;
  /** Assignment timing (tests shorten the hold and fix the clock). */
  readonly assignment?: AssignmentOptions;
  /** Host names (without port) accepted in the Host header besides localhost and the listening address. */
  readonly allowedHosts?: readonly string[];
  /** What one client and all clients may hold; defaults in `defaultStudyServerLimits`. */
  readonly limits?: Partial<StudyServerLimits>;
  /** One line per served error (default: stderr). */
  readonly log?: (line: string) => void;
}

export interface StudyServerLimits {
  /** Most pairs handed out but not yet rated (and still held) for the raters of one address. */
  readonly pendingPerAddress: number;
  /** Most such pairs for all raters together. */
  readonly pendingOverall: number;
  /** An unrated pair is released when its rater has made no request for this long (ms). */
  readonly idleMilliseconds: number;
  /** Most raters one address may register per hour. */
  readonly ratersPerAddressPerHour: number;
}

export const defaultStudyServerLimits: StudyServerLimits = {
  pendingPerAddress: 8,
  pendingOverall: 200,
  idleMilliseconds: 10 * 60 * 1000,
  ratersPerAddressPerHour: 60,
};

/** Host names a server listening on `host` answers for: loopback names, the address, and for a wildcard
 * address every interface address and the machine's name. */
function allowedHostNames(host: string, extra: readonly string[]): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  const add = (name: string) => {
    const lower = name.toLowerCase().replace(/\.$/, '');
    names.add(lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower);
  };
  if (host === '0.0.0.0' || host === '::' || host === '') {
    for (const list of Object.values(networkInterfaces()))
      for (const entry of list ?? []) add(entry.address.replace(/%.*$/, ''));
    add(hostname());
  } else add(host);
  for (const name of extra) add(name);
  return names;
}

export interface StudyServer {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  close(): Promise<void>;
}

function raterOf(request: IncomingMessage): string | undefined {
  const value = readCookie(request, raterCookie);
  return isRaterId(value) ? value : undefined;
}

function requireRater(request: IncomingMessage): string {
  const rater = raterOf(request);
  if (!rater) throw new HttpError(403, 'no rater session; open the study page first');
  return rater;
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given || expected.length === 0) return false;
  const left = Buffer.from(given);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Validates the body of POST /api/ratings. */
function parseRating(body: unknown): RatingInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'want a JSON object');
  const { assignmentId, relevance, preference } = body as Record<string, unknown>;
  if (!Number.isSafeInteger(assignmentId) || (assignmentId as number) < 1)
    throw new HttpError(400, 'assignmentId must be a positive integer');
  if (!isAnswer(relevance) || !isAnswer(preference))
    throw new HttpError(
      400,
      'relevance and preference must each be one of strongA, weakA, none, weakB, strongB',
    );
  const extra = Object.keys(body).filter((key) => !['assignmentId', 'relevance', 'preference'].includes(key));
  if (extra.length > 0) throw new HttpError(400, `unexpected fields: ${extra.join(', ')}`);
  return { assignmentId: assignmentId as number, relevance, preference };
}

/** Starts serving a study folder. */
export async function startStudyServer(options: StudyServerOptions): Promise<StudyServer> {
  const database: StudyDatabase = openStudyDatabase(options.studyDir);
  const settings = readSettings(database);
  const mediaDir = join(options.studyDir, mediaFolderName);
  const allowedMedia = new Set(
    (database.prepare('SELECT file FROM clips').all() as { file: string }[]).map((row) => row.file),
  );
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const page = raterPage(settings.title);
  const limits = { ...defaultStudyServerLimits, ...options.limits };
  const hosts = allowedHostNames(options.host ?? '127.0.0.1', options.allowedHosts ?? []);
  /** Rater registrations per address in the current hour window. */
  const registrations = new Map<string, { windowStart: number; count: number }>();
  /** Last time each rater's activity was written, so media range requests do not write on every chunk. */
  const lastTouch = new Map<string, number>();
  const assignmentFor = (request: IncomingMessage): AssignmentOptions => ({
    idleMilliseconds: limits.idleMilliseconds,
    maxPendingPerAddress: limits.pendingPerAddress,
    maxPendingOverall: limits.pendingOverall,
    ...options.assignment,
    address: request.socket.remoteAddress ?? '',
  });
  const countRegistration = (address: string) => {
    const now = Date.now();
    const entry = registrations.get(address);
    const current = entry && now - entry.windowStart < 3600_000 ? entry : { windowStart: now, count: 0 };
    if (current.count >= limits.ratersPerAddressPerHour)
      throw new HttpError(429, 'too many new raters from your network address; try again later');
    current.count++;
    registrations.set(address, current);
  };
  const noteActivity = (request: IncomingMessage) => {
    const rater = raterOf(request);
    if (!rater) return;
    const now = (options.assignment?.now ?? new Date()).getTime();
    if (now - (lastTouch.get(rater) ?? 0) < 30_000) return;
    lastTouch.set(rater, now);
    if (database.prepare('SELECT 1 FROM raters WHERE id = ?').get(rater))
      touchRater(database, rater, assignmentFor(request));
  };

  async function route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const isRead = method === 'GET' || method === 'HEAD';
    assertAllowedHost(request, hosts);
    if (path.startsWith('/media/')) {
      if (!isRead) throw new HttpError(405, 'method not allowed');
      noteActivity(request);
      let name: string;
      try {
        name = decodeURIComponent(path.slice('/media/'.length));
      } catch {
        throw new HttpError(400, 'bad media path');
      }
      return serveMedia(request, response, mediaDir, allowedMedia, name);
    }
    if (path === '/' && isRead) return sendHtml(response, 200, page);
    if (path === '/app.js' && isRead)
      return send(response, 200, 'text/javascript; charset=utf-8', clientScript);
    if (path === '/app.css' && isRead) return send(response, 200, 'text/css; charset=utf-8', styles);
    if (path === '/api/session' && isRead) {
      const rater = raterOf(request);
      const known =
        rater !== undefined && database.prepare('SELECT 1 FROM raters WHERE id = ?').get(rater) !== undefined;
      return sendJson(response, 200, { rater: known });
    }
    if (path === '/api/raters' && method === 'POST') {
      assertSameOrigin(request);
      await readJsonBody(request);
      const existing = raterOf(request);
      if (existing && database.prepare('SELECT 1 FROM raters WHERE id = ?').get(existing))
        return sendJson(response, 200, { ok: true });
      countRegistration(request.socket.remoteAddress ?? '');
      const rater = createRater(database, assignmentFor(request));
      const cookie = `${raterCookie}=${rater}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000`;
      return sendJson(response, 200, { ok: true }, { 'Set-Cookie': cookie });
    }
    if (path === '/api/next' && isRead) {
      return sendJson(response, 200, nextAssignment(database, requireRater(request), assignmentFor(request)));
    }
    if (path === '/api/ratings' && method === 'POST') {
      assertSameOrigin(request);
      const rater = requireRater(request);
      const rating = parseRating(await readJsonBody(request));
      const result = submitRating(database, rater, rating, assignmentFor(request));
      return sendJson(response, 200, { stored: true, ...result });
    }
    if ((path === '/admin' || path === '/api/admin/progress') && isRead) {
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? null;
      if (!tokenMatches(url.searchParams.get('token') ?? bearer, settings.adminToken))
        throw new HttpError(401, 'admin token required (?token=... or Authorization: Bearer ...)');
      const progress = studyProgress(database, assignmentFor(request));
      return path === '/admin'
        ? sendHtml(response, 200, adminPage(progress))
        : sendJson(response, 200, progress);
    }
    const known = [
      '/',
      '/app.js',
      '/app.css',
      '/api/session',
      '/api/raters',
      '/api/next',
      '/api/ratings',
      '/admin',
    ];
    throw new HttpError(
      known.includes(path) ? 405 : 404,
      known.includes(path) ? 'method not allowed' : 'not found',
    );
  }

  const server: Server = createServer(
    { requestTimeout: 60_000, headersTimeout: 20_000 },
    (request, response) => {
      let url: URL;
      try {
        url = new URL(request.url ?? '/', 'http://study.invalid');
      } catch {
        sendJson(response, 400, { error: 'bad request target' });
        return;
      }
      route(request, response, url).catch((error: unknown) => {
        const status = statusOf(error);
        const message =
          status === 500
            ? 'internal error'
            : error instanceof V2meowError
              ? error.message
              : (error as Error).message;
        if (status === 500)
          log(`study server: ${request.method} ${url.pathname}: ${(error as Error).stack ?? error}`);
        if (response.headersSent) {
          response.destroy();
          return;
        }
        const wantsHtml =
          !url.pathname.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
        const headers: Record<string, string> =
          status === 413 ? { Connection: 'close' } : status === 429 ? { 'Retry-After': '120' } : {};
        if (wantsHtml)
          send(response, status, 'text/html; charset=utf-8', errorPage(status, message), headers);
        else sendJson(response, status, { error: message }, headers);
      });
    },
  );
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new V2meowError('BAD_ARGUMENT', `cannot listen: ${error.message}`)),
    );
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    port: address.port,
    adminToken: settings.adminToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          database.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
