// `v2meow serve`'s HTTP side over node:http (routing, safe headers and Range handling reused from src/server):
// the page, POST /api/jobs (multipart upload streamed to disk under a size limit by busboy, probed with
// ffprobe before queueing; or a JSON text-only request), GET /api/jobs/:id, its events (SSE fed by BullMQ's
// QueueEvents), its outputs and their mel-spectrogram plots, "again with another seed", DELETE, and
// GET /api/style (the text style encoder the CLI uses); a per-client limit of queued jobs and the expiry of
// old jobs with their files. Workers that do not share the data folder fetch inputs and upload outputs through
// /api/worker/... with a bearer token. No generation runs here: jobs go to Redis and worker processes
// (worker.ts). Errors are JSON { error, code }.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ConnectionOptions, type Job, Queue, QueueEvents } from 'bullmq';
import busboy from 'busboy';
import { TextStyleEncoder } from '../encoders/textStyle.js';
import { V2meowError } from '../errors.js';
import { assertDecodableVideo, probe } from '../media/probe.js';
import { assertSameOrigin, readJsonBody, send, sendHtml, sendJson } from '../server/http.js';
import { sendFile } from '../server/media.js';
import {
  isJobId,
  isOutputName,
  type JobData,
  type JobOptions,
  type JobResult,
  jobDir,
  newJobId,
  queueName,
} from './jobs.js';
import { servePage, serveScript, serveStyles } from './page.js';

export interface ServeOptions {
  readonly connection: ConnectionOptions;
  readonly dataDir: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Largest upload in bytes (default 200 MB). */
  readonly maxUploadBytes?: number;
  /** Longest accepted video in seconds (default 600). */
  readonly maxVideoSec?: number;
  /** Most candidates per job (default 4). */
  readonly maxCandidates?: number;
  /** Most jobs one client (remote address) may have waiting or running at once; 0 = no limit (default 5). */
  readonly maxQueuedPerClient?: number;
  /** Milliseconds after which a job (since it finished, or since it was queued) and its files are removed
   * (default 24 h). */
  readonly expireMs?: number;
  /** Bearer token of the worker file API (/api/worker/...), for workers that do not share the data folder;
   * null turns that API off. */
  readonly workerToken?: string | null;
  readonly log?: (line: string) => void;
}

export interface ServeServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** An error answered with its status, code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const videoTypes = new Set(['.mp4', '.mov', '.mkv', '.webm', '.avi', '.m4v']);

/** The client a job is counted against: its remote address (IPv4-mapped IPv6 written as IPv4). */
function clientOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Constant-time comparison of a presented token with the expected one. */
function sameToken(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Streams a worker's upload to `dir/NAME` through a temporary name, under a byte limit. */
async function receiveOutput(request: IncomingMessage, dir: string, name: string, maxBytes: number) {
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `.partial-${randomBytes(4).toString('hex')}-${name}`);
  let received = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > maxBytes) done(new ApiError(413, 'TOO_LARGE', `output larger than ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(request, limit, createWriteStream(partial));
    renameSync(partial, join(dir, name));
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof ApiError) throw error;
    throw new ApiError(400, 'BAD_REQUEST', `upload of ${name} interrupted`);
  }
}

function statusOfCode(code: string): number {
  if (code === 'NOT_FOUND') return 404;
  if (code === 'CONFLICT') return 409;
  return 400;
}

/** Checks the form fields (strings from multipart, or JSON values) into JobOptions. */
export function parseJobOptions(
  fields: Record<string, unknown>,
  hasVideo: boolean,
  maxCandidates: number,
): JobOptions {
  const num = (name: string, fallback: number | null, check: (x: number) => boolean, what: string) => {
    const raw = fields[name];
    if (raw === undefined || raw === null || raw === '') return fallback;
    const x = typeof raw === 'number' ? raw : Number(String(raw));
    if (!Number.isFinite(x) || !check(x))
      throw new ApiError(400, 'BAD_ARGUMENT', `${name} must be ${what}, got '${raw}'`);
    return x;
  };
  const rawText = fields.text;
  if (rawText !== undefined && rawText !== null && typeof rawText !== 'string')
    throw new ApiError(400, 'BAD_ARGUMENT', 'text must be a string');
  const text = typeof rawText === 'string' && rawText.trim() !== '' ? rawText.trim().slice(0, 500) : null;
  const seconds = num('seconds', null, (x) => x > 0 && x <= 600, 'a number of seconds in (0, 600]');
  if (!hasVideo && seconds === null)
    throw new ApiError(400, 'BAD_ARGUMENT', 'seconds is needed without a video (text-only job)');
  return {
    text,
    seconds,
    startSec: num('start', 0, (x) => x >= 0, 'a number >= 0')!,
    seed: num('seed', 0, (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 31, 'a whole number >= 0')!,
    candidates: num(
      'candidates',
      1,
      (x) => Number.isInteger(x) && x >= 1 && x <= maxCandidates,
      `a whole number from 1 to ${maxCandidates}`,
    )!,
  };
}

/** Streams a multipart body: the `video` file to `target` (size-limited), the other parts as fields. */
function receiveUpload(
  request: IncomingMessage,
  target: string,
  maxBytes: number,
): Promise<{ fields: Record<string, string>; fileName: string | null }> {
  return new Promise((resolvePromise, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 2000, parts: 12 },
      });
    } catch (error) {
      request.resume();
      reject(new ApiError(400, 'BAD_ARGUMENT', `bad multipart request: ${(error as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let fileName: string | null = null;
    let failure: ApiError | null = null;
    let writing: Promise<void> = Promise.resolve();
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'video' || fileName !== null) {
        stream.resume();
        return;
      }
      fileName = info.filename || 'video';
      const out = createWriteStream(target);
      writing = new Promise((done, fail) => {
        out.on('finish', done);
        out.on('error', fail);
      });
      stream.on('limit', () => {
        failure = new ApiError(413, 'TOO_LARGE', `upload larger than ${maxBytes} bytes`);
      });
      stream.pipe(out);
    });
    parser.on('error', (error: Error) =>
      reject(new ApiError(400, 'BAD_ARGUMENT', `bad multipart request: ${error.message}`)),
    );
    parser.on('close', () => {
      writing.then(
        () => (failure ? reject(failure) : resolvePromise({ fields, fileName })),
        (error: Error) => reject(new ApiError(500, 'INTERNAL', error.message)),
      );
    });
    request.pipe(parser);
  });
}

/** The public view of a job. */
async function describe(job: Job<JobData, JobResult>) {
  const state = await job.getState();
  const result = job.returnvalue ?? null;
  return {
    id: job.id,
    state,
    createdMs: job.data.createdMs,
    input: job.data.inputName,
    text: job.data.text,
    seconds: job.data.seconds,
    start: job.data.startSec,
    seed: job.data.seed,
    candidates: job.data.candidates,
    progress: typeof job.progress === 'object' ? job.progress : null,
    attempts: job.attemptsMade,
    error: state === 'failed' ? job.failedReason : null,
    outputs:
      state === 'completed' && result
        ? result.outputs.map((name, k) => ({
            url: `/api/jobs/${job.id}/outputs/${k + 1}`,
            name,
            plot: result.plots?.[k] ? `/api/jobs/${job.id}/plots/${k + 1}` : null,
          }))
        : [],
    musicSeconds: result?.seconds ?? null,
  };
}

/** Starts the HTTP server (the queue lives in Redis; start workers separately). */
export async function startServeServer(options: ServeOptions): Promise<ServeServer> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(join(dataDir, 'jobs'), { recursive: true });
  mkdirSync(join(dataDir, 'uploads'), { recursive: true });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxUploadBytes = options.maxUploadBytes ?? 200 * 1024 * 1024;
  const maxVideoSec = options.maxVideoSec ?? 600;
  const maxCandidates = options.maxCandidates ?? 4;
  const maxQueuedPerClient = options.maxQueuedPerClient ?? 5;
  const expireMs = options.expireMs ?? 24 * 3600 * 1000;
  const workerToken = options.workerToken ?? null;
  // an output is the uploaded video with new audio, or a WAV of at most 600 s (19 MB), or a plot
  const maxOutputBytes = maxUploadBytes + 64 * 1024 * 1024;
  const queue = new Queue<JobData, JobResult>(queueName, { connection: options.connection });
  const events = new QueueEvents(queueName, { connection: options.connection });
  await queue.waitUntilReady();
  await events.waitUntilReady();
  let styleEncoder: TextStyleEncoder | null | undefined;
  const listeners = new Map<string, Set<ServerResponse>>();

  const push = (id: string, event: string, data: unknown) => {
    for (const response of listeners.get(id) ?? [])
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  events.on('progress', ({ jobId, data }) => push(jobId, 'progress', data));
  events.on('active', ({ jobId }) => push(jobId, 'active', {}));
  const finish = async (jobId: string) => {
    const job = await queue.getJob(jobId);
    if (job) push(jobId, 'done', await describe(job));
    for (const response of listeners.get(jobId) ?? []) response.end();
    listeners.delete(jobId);
  };
  events.on('completed', ({ jobId }) => void finish(jobId).catch(() => undefined));
  events.on('failed', ({ jobId }) => void finish(jobId).catch(() => undefined));

  async function getJob(id: string): Promise<Job<JobData, JobResult>> {
    const job = isJobId(id) ? await queue.getJob(id) : undefined;
    if (!job) throw new ApiError(404, 'NOT_FOUND', 'no such job');
    return job;
  }

  /** Ids being created (their upload or folder exists before their job does): the sweep leaves them alone. */
  const creating = new Set<string>();
  const clientLocks = new Map<string, Promise<unknown>>();

  /** Runs `task` after the client's earlier job creations, so two at once cannot both pass the limit. */
  async function oneAtATime<T>(client: string, task: () => Promise<T>): Promise<T> {
    const run = (clientLocks.get(client) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    clientLocks.set(client, tail);
    try {
      return await run;
    } finally {
      if (clientLocks.get(client) === tail) clientLocks.delete(client);
    }
  }

  /** Throws 429 QUEUE_FULL when the client already has its limit of jobs waiting or running. */
  async function assertRoom(client: string): Promise<void> {
    if (maxQueuedPerClient <= 0) return;
    const pending = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized'], 0, -1);
    const count = pending.filter((job) => job?.data?.client === client).length;
    if (count >= maxQueuedPerClient)
      throw new ApiError(
        429,
        'QUEUE_FULL',
        `you have ${count} jobs waiting or running (the limit is ${maxQueuedPerClient}); wait for one to finish`,
      );
  }

  async function enqueue(id: string, data: JobData): Promise<unknown> {
    const job = await queue.add('generate', data, {
      jobId: id,
      attempts: 2,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: false,
      removeOnFail: false,
    });
    return describe(job);
  }

  async function createJob(request: IncomingMessage): Promise<unknown> {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'multipart/form-data' && type !== 'application/json') {
      request.resume();
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'send multipart/form-data (with a video) or application/json',
      );
    }
    const client = clientOf(request);
    return oneAtATime(client, async () => {
      try {
        await assertRoom(client);
      } catch (error) {
        request.resume();
        throw error;
      }
      const id = newJobId();
      const dir = jobDir(dataDir, id);
      creating.add(id);
      try {
        let options: JobOptions;
        let input: string | null = null;
        let inputName: string | null = null;
        if (type === 'multipart/form-data') {
          const upload = join(dataDir, 'uploads', `${id}.upload`);
          try {
            const { fields, fileName } = await receiveUpload(request, upload, maxUploadBytes);
            options = parseJobOptions(fields, fileName !== null, maxCandidates);
            if (fileName !== null) {
              let info: Awaited<ReturnType<typeof probe>>;
              try {
                info = await probe(upload);
                assertDecodableVideo(info);
              } catch (error) {
                if (error instanceof V2meowError)
                  throw new ApiError(
                    400,
                    error.code,
                    `${fileName}: ${error.message.replace(`${upload}: `, '')}`,
                  );
                throw error;
              }
              if (info.durationSec > maxVideoSec)
                throw new ApiError(
                  400,
                  'TOO_LONG',
                  `${fileName}: ${info.durationSec.toFixed(1)} s is longer than the limit of ${maxVideoSec} s`,
                );
              if (options.startSec >= info.durationSec)
                throw new ApiError(
                  400,
                  'BAD_ARGUMENT',
                  `start ${options.startSec} s is past the video's end`,
                );
              const extension = extname(fileName).toLowerCase();
              input = `input${videoTypes.has(extension) ? extension : '.mp4'}`;
              inputName = fileName.slice(0, 200);
              mkdirSync(dir, { recursive: true });
              renameSync(upload, join(dir, input));
            }
          } finally {
            rmSync(upload, { force: true });
          }
        } else {
          const body = await readJsonBody(request).catch((error: Error) => {
            throw new ApiError(400, 'BAD_ARGUMENT', error.message);
          });
          if (typeof body !== 'object' || body === null || Array.isArray(body))
            throw new ApiError(400, 'BAD_ARGUMENT', 'want a JSON object');
          options = parseJobOptions(body as Record<string, unknown>, false, maxCandidates);
        }
        return await enqueue(id, { ...options, input, inputName, createdMs: Date.now(), client });
      } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      } finally {
        creating.delete(id);
      }
    });
  }

  /** POST /api/jobs/:id/again: the same video and options with another seed (given, or random). */
  async function againJob(request: IncomingMessage, id: string): Promise<unknown> {
    const source = await getJob(id);
    let seed: number = randomInt(2 ** 31);
    if (request.headers['content-type']) {
      const body = await readJsonBody(request).catch((error: Error & { status?: number }) => {
        throw new ApiError(error.status === 415 ? 415 : 400, 'BAD_ARGUMENT', error.message);
      });
      const given = (body as { seed?: unknown } | null)?.seed;
      if (given !== undefined && given !== null) {
        if (typeof given !== 'number' || !Number.isInteger(given) || given < 0 || given >= 2 ** 31)
          throw new ApiError(400, 'BAD_ARGUMENT', `seed must be a whole number >= 0, got '${given}'`);
        seed = given;
      }
    } else request.resume();
    const client = clientOf(request);
    return oneAtATime(client, async () => {
      await assertRoom(client);
      const newId = newJobId();
      const dir = jobDir(dataDir, newId);
      const data = source.data;
      creating.add(newId);
      try {
        if (data.input) {
          const from = join(jobDir(dataDir, id), data.input);
          if (!existsSync(from))
            throw new ApiError(404, 'NOT_FOUND', "this job's video is gone; upload it again");
          mkdirSync(dir, { recursive: true });
          try {
            linkSync(from, join(dir, data.input));
          } catch {
            copyFileSync(from, join(dir, data.input));
          }
        }
        return await enqueue(newId, { ...data, seed, createdMs: Date.now(), client });
      } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      } finally {
        creating.delete(newId);
      }
    });
  }

  /** Removes jobs older than expireMs (not running) with their folders, and folders or uploads with no job. */
  let sweeping = false;
  async function sweep(): Promise<void> {
    if (sweeping) return;
    sweeping = true;
    try {
      const now = Date.now();
      const jobs = await queue.getJobs(['completed', 'failed', 'waiting', 'delayed', 'prioritized'], 0, -1);
      for (const job of jobs) {
        if (!job?.id || now - (job.finishedOn ?? job.timestamp) < expireMs) continue;
        if ((await job.getState()) === 'active') continue;
        try {
          await job.remove();
        } catch {
          continue; // taken by a worker meanwhile
        }
        rmSync(jobDir(dataDir, job.id), { recursive: true, force: true });
        log(`serve: job ${job.id} expired`);
      }
      for (const folder of ['jobs', 'uploads']) {
        for (const name of readdirSync(join(dataDir, folder))) {
          const id = name.replace(/\.upload$/, '');
          if (!isJobId(id) || creating.has(id)) continue;
          const path = join(dataDir, folder, name);
          if (now - statSync(path).mtimeMs < expireMs) continue;
          if (folder === 'uploads' || !(await queue.getJob(id)))
            rmSync(path, { recursive: true, force: true });
        }
      }
    } catch (error) {
      log(`serve: expiry sweep: ${(error as Error).message}`);
    } finally {
      sweeping = false;
    }
  }
  const sweepTimer = setInterval(() => void sweep(), Math.min(60_000, Math.max(250, expireMs / 4)));
  sweepTimer.unref();

  function assertWorker(request: IncomingMessage): void {
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!workerToken || !sameToken(given, workerToken))
      throw new ApiError(401, 'UNAUTHORIZED', 'the worker token is missing or wrong');
  }

  /** The worker file API: GET a job's input, PUT one of its outputs (only while the job runs). */
  async function workerFiles(request: IncomingMessage, response: ServerResponse, id: string, name?: string) {
    assertWorker(request);
    const job = await getJob(id);
    const dir = jobDir(dataDir, id);
    if (name === undefined) {
      if (request.method !== 'GET') throw new ApiError(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
      if (!job.data.input) throw new ApiError(404, 'NOT_FOUND', 'this job has no input video');
      return sendFile(
        request,
        response,
        join(dir, job.data.input),
        'application/octet-stream',
        () => new ApiError(404, 'NOT_FOUND', 'the input is gone'),
      );
    }
    if (request.method !== 'PUT') throw new ApiError(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
    const k = Number(/^out-([0-9]+)/.exec(name)?.[1] ?? 0);
    const extension = extname(name);
    if (
      !isOutputName(name) ||
      k > job.data.candidates ||
      (extension !== '.png' && extension !== (job.data.input ? '.mp4' : '.wav'))
    ) {
      request.resume();
      throw new ApiError(400, 'BAD_ARGUMENT', `not an output of this job: ${name}`);
    }
    // only the worker that holds the job's lock (BullMQ's token) may publish: one that lost the job to the
    // stalled-job check (silent too long, yet alive) cannot write over the retry's outputs
    const lock = await (await queue.getBackend().client).get(`${queue.toKey(id)}:lock`);
    if ((await job.getState()) !== 'active' || !lock || request.headers['x-job-lock'] !== lock) {
      request.resume();
      throw new ApiError(409, 'CONFLICT', 'the job is not running on this worker');
    }
    await receiveOutput(request, dir, name, maxOutputBytes);
    sendJson(response, 201, { stored: name });
  }

  async function sendOutput(
    request: IncomingMessage,
    response: ServerResponse,
    id: string,
    kind: 'outputs' | 'plots',
    n: string,
  ) {
    const job = await getJob(id);
    const outputs = (kind === 'plots' ? job.returnvalue?.plots : job.returnvalue?.outputs) ?? [];
    const k = /^[1-9][0-9]?$/.test(n) ? Number(n) - 1 : -1;
    const name = outputs[k];
    if (!name) throw new ApiError(404, 'NOT_FOUND', 'no such output');
    const download = new URL(request.url ?? '/', 'http://x').searchParams.has('download');
    sendFile(
      request,
      response,
      join(jobDir(dataDir, id), name),
      name.endsWith('.png') ? 'image/png' : name.endsWith('.wav') ? 'audio/wav' : 'video/mp4',
      () => new ApiError(404, 'NOT_FOUND', 'no such output'),
      download ? { 'Content-Disposition': `attachment; filename="v2meow-${id.slice(0, 8)}-${name}"` } : {},
    );
  }

  async function openEvents(response: ServerResponse, id: string) {
    const job = await getJob(id);
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive',
    });
    const set = listeners.get(id) ?? new Set();
    listeners.set(id, set);
    set.add(response);
    response.on('close', () => {
      set.delete(response);
      if (set.size === 0 && listeners.get(id) === set) listeners.delete(id);
    });
    // the state now (events before this moment are not replayed); a finished job ends the stream at once
    const now = await describe(job);
    response.write(`event: state\ndata: ${JSON.stringify(now)}\n\n`);
    if (now.state === 'completed' || now.state === 'failed') await finish(id);
  }

  async function route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const isRead = method === 'GET' || method === 'HEAD';
    if (path === '/' && isRead) return sendHtml(response, 200, servePage);
    if (path === '/serve.js' && isRead)
      return send(response, 200, 'text/javascript; charset=utf-8', serveScript);
    if (path === '/serve.css' && isRead) return send(response, 200, 'text/css; charset=utf-8', serveStyles);
    if (path === '/api/style' && isRead) {
      const text = (url.searchParams.get('text') ?? '').slice(0, 500);
      if (styleEncoder === undefined) {
        try {
          styleEncoder = TextStyleEncoder.load();
        } catch (error) {
          log(`serve: text style encoder unavailable: ${(error as Error).message}`);
          styleEncoder = null;
        }
      }
      if (!styleEncoder) throw new ApiError(503, 'UNAVAILABLE', 'the text style encoder is not installed');
      if (text.trim() === '') return sendJson(response, 200, { tags: [], matched: [], unknownWords: [] });
      const style = styleEncoder.encode(text);
      return sendJson(response, 200, {
        tags: style.tags.slice(0, 5).map((t) => ({ label: t.label, lift: Number(t.lift.toFixed(2)) })),
        matched: style.matched,
        unknownWords: style.unknownWords,
      });
    }
    if (path === '/api/jobs' && method === 'POST') {
      assertSameOrigin(request);
      return sendJson(response, 201, await createJob(request));
    }
    const worker = /^\/api\/worker\/jobs\/([^/]+)\/(input|files\/([^/]+))$/.exec(path);
    if (worker) {
      if (!isJobId(worker[1]!)) throw new ApiError(404, 'NOT_FOUND', 'no such job');
      return workerFiles(request, response, worker[1]!, worker[3]);
    }
    const match = /^\/api\/jobs\/([^/]+)(\/events|\/again|\/(outputs|plots)\/([^/]+))?$/.exec(path);
    if (match) {
      const id = match[1]!;
      if (!isJobId(id)) throw new ApiError(404, 'NOT_FOUND', 'no such job');
      if (match[2] === '/events' && isRead) return openEvents(response, id);
      if (match[2] === '/again' && method === 'POST') {
        assertSameOrigin(request);
        return sendJson(response, 201, await againJob(request, id));
      }
      if (match[4] !== undefined && isRead)
        return sendOutput(request, response, id, match[3] as 'outputs' | 'plots', match[4]);
      if (match[2] === undefined && isRead) return sendJson(response, 200, await describe(await getJob(id)));
      if (match[2] === undefined && method === 'DELETE') {
        assertSameOrigin(request);
        const job = await getJob(id);
        const state = await job.getState();
        if (state === 'active')
          throw new ApiError(409, 'CONFLICT', 'the job is running; delete it when it ends');
        await job.remove();
        rmSync(jobDir(dataDir, id), { recursive: true, force: true });
        return sendJson(response, 200, { deleted: true });
      }
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
    }
    throw new ApiError(404, 'NOT_FOUND', 'not found');
  }

  const server: Server = createServer(
    { requestTimeout: 600_000, headersTimeout: 20_000 },
    (request, response) => {
      let url: URL;
      try {
        url = new URL(request.url ?? '/', 'http://serve.invalid');
      } catch {
        sendJson(response, 400, { error: 'bad request target', code: 'BAD_ARGUMENT' });
        return;
      }
      route(request, response, url).catch((error: unknown) => {
        let status = 500;
        let code = 'INTERNAL';
        let message = 'internal error';
        if (error instanceof ApiError) ({ status, code, message } = error);
        else if (error instanceof V2meowError) {
          status = statusOfCode(error.code);
          code = error.code;
          message = error.message;
        } else if (error instanceof Error && 'status' in error && typeof error.status === 'number') {
          status = error.status;
          code = status === 403 ? 'FORBIDDEN' : status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST';
          message = error.message;
        }
        if (status === 500)
          log(`serve: ${request.method} ${url.pathname}: ${(error as Error).stack ?? error}`);
        if (response.headersSent) {
          response.destroy();
          return;
        }
        // a refused request body may still be arriving: close the connection rather than read it all
        const headers: Record<string, string> = [413, 415, 429].includes(status)
          ? { Connection: 'close' }
          : {};
        sendJson(response, status, { error: message, code }, headers);
      });
    },
  );
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((done, reject) => {
    server.once('error', (error) =>
      reject(new V2meowError('BAD_ARGUMENT', `cannot listen: ${error.message}`)),
    );
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => done());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    port: address.port,
    async close() {
      clearInterval(sweepTimer);
      for (const set of listeners.values()) for (const response of set) response.end();
      listeners.clear();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await events.close();
      await queue.close();
    },
  };
}
