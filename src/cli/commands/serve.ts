// `v2meow serve` and `v2meow worker`: the web app and HTTP API for generating soundtracks (src/serve), with a
// BullMQ job queue on Redis. serve starts a private redis-server in the data folder unless --redis names one,
// and N local worker processes (`v2meow worker`, the same command other machines run). Workers on other machines
// either mount the data folder (--data) or reach the server over HTTP (--server, --token-file: the token serve
// keeps in DATA/worker-token).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { V2meowError } from '../../errors.js';
import { defaultBundleDir } from '../../generate/pipeline.js';
import { connectionFromUrl, type PrivateRedis, startPrivateRedis } from '../../serve/redis.js';
import { startServeServer } from '../../serve/server.js';
import { startWorker } from '../../serve/worker.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const serveUsage = `usage: v2meow serve [--port 8080] [--host 127.0.0.1] [--data DIR] [--workers N] [--redis URL] [--model DIR|debug]

A web page and HTTP API (docs/serve.md) that generate music for uploaded videos. Jobs queue in Redis (BullMQ)
and run in worker processes.

options:
  --port N          TCP port (default 8080; 0 picks a free one)
  --host H          interface (default 127.0.0.1; 0.0.0.0 lets other machines in)
  --data DIR        uploads, outputs and the private Redis's files (default ./v2meow-serve)
  --workers N       local worker processes to start (default 1; 0 = only remote workers)
  --redis URL       use this Redis (redis://host:6379, unix:///path) instead of a private redis-server
  --model DIR|debug model for the local workers (as in v2meow generate)
  --max-upload-mb N largest upload (default 200)
  --max-video-sec S longest accepted video (default 600)
  --lock-sec S      a worker silent this long counts as dead and its job is retried (default 30)
  --max-queued-per-client N  jobs one client address may have waiting or running (default 5; 0 = no limit)
  --expire-hours H  jobs and their files are removed this long after they finish (default 24)

Remote workers authenticate with the token in DATA/worker-token (created at the first start).`;

const workerUsage = `usage: v2meow worker --redis URL [--data DIR] [--model DIR|debug] [--lock-sec S]
       v2meow worker --redis URL --server URL --token-file FILE [--data SCRATCH] [--model DIR|debug]

A generation worker for v2meow serve: takes jobs from the Redis queue. Without --server it reads inputs and
writes outputs in the data folder, which must be the server's (the same machine, or a shared file system).
With --server it shares nothing but Redis with the server: it downloads each input from the server and
uploads the outputs back over HTTP, authenticated by the server's DATA/worker-token (--token-file, or the
environment variable V2MEOW_SERVE_TOKEN); --data is then only its scratch folder (default: a temp folder).`;

/** The worker file API's token: DATA/worker-token, created (mode 600) at the first start. */
function workerToken(dataDir: string): string {
  const path = resolve(dataDir, 'worker-token');
  if (!existsSync(path))
    writeFileSync(path, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return readFileSync(path, 'utf8').trim();
}

const binPath = fileURLToPath(new URL('../../../../bin/v2meow.js', import.meta.url));

export const serveCommand: Command = {
  name: 'serve',
  summary: 'web page and HTTP API that generate music for videos (job queue on Redis)',
  usage: serveUsage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        workers: { type: 'string' },
        redis: { type: 'string' },
        model: { type: 'string' },
        'max-upload-mb': { type: 'string' },
        'max-video-sec': { type: 'string' },
        'lock-sec': { type: 'string' },
        'max-queued-per-client': { type: 'string' },
        'expire-hours': { type: 'string' },
      },
    });
    const port = numberOption(values.port, '--port', 8080, { integer: true, min: 0, max: 65535 });
    const workers = numberOption(values.workers, '--workers', 1, { integer: true, min: 0, max: 64 });
    const maxUploadMb = numberOption(values['max-upload-mb'], '--max-upload-mb', 200, {
      min: 0,
      exclusiveMin: true,
    });
    const maxVideoSec = numberOption(values['max-video-sec'], '--max-video-sec', 600, {
      min: 0,
      exclusiveMin: true,
    });
    const dataDir = resolve(values.data ?? 'v2meow-serve');
    const lockSec = numberOption(values['lock-sec'], '--lock-sec', 30, { min: 1 });
    const maxQueuedPerClient = numberOption(values['max-queued-per-client'], '--max-queued-per-client', 5, {
      integer: true,
      min: 0,
    });
    const expireHours = numberOption(values['expire-hours'], '--expire-hours', 24, {
      min: 0,
      exclusiveMin: true,
    });
    let redis: PrivateRedis | null = null;
    const children: ChildProcess[] = [];
    try {
      mkdirSync(dataDir, { recursive: true });
      if (values.redis) connectionFromUrl(values.redis); // checks the URL before starting anything
      let redisUrl = values.redis;
      if (!redisUrl) {
        redis = await startPrivateRedis(dataDir);
        redisUrl = redis.url;
      }
      const server = await startServeServer({
        connection: connectionFromUrl(redisUrl),
        dataDir,
        port,
        host: values.host,
        maxUploadBytes: Math.round(maxUploadMb * 1024 * 1024),
        maxVideoSec,
        maxQueuedPerClient,
        expireMs: expireHours * 3600 * 1000,
        workerToken: workerToken(dataDir),
      });
      let stopping = false;
      const startChild = (k: number) => {
        const child = spawn(
          process.execPath,
          [
            binPath,
            'worker',
            '--redis',
            redisUrl!,
            '--data',
            dataDir,
            ...(values.model ? ['--model', values.model] : []),
            '--lock-sec',
            String(lockSec),
          ],
          // a local worker exits when serve is gone (see workerCommand)
          {
            stdio: ['ignore', 'inherit', 'inherit'],
            env: { ...process.env, V2MEOW_WORKER_PARENT: String(process.pid) },
          },
        );
        children[k] = child;
        child.on('exit', (code, signal) => {
          if (stopping) return;
          process.stderr.write(`serve: worker ${child.pid} exited (${signal ?? code}); starting another\n`);
          setTimeout(() => !stopping && startChild(k), 1000);
        });
      };
      for (let k = 0; k < workers; k++) startChild(k);
      process.stdout.write(
        `v2meow serve: ${server.url} (redis ${redisUrl}, ${workers} local workers, data ${dataDir})\n`,
      );
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      stopping = true;
      await server.close();
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        ),
      );
      return 0;
    } catch (error) {
      for (const child of children) child.kill('SIGKILL');
      if (error instanceof V2meowError) {
        process.stderr.write(`v2meow serve: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      await redis?.stop();
    }
  },
};

export const workerCommand: Command = {
  name: 'worker',
  summary: 'a generation worker for v2meow serve (takes jobs from Redis)',
  usage: workerUsage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        redis: { type: 'string' },
        data: { type: 'string' },
        model: { type: 'string' },
        'lock-sec': { type: 'string' },
        server: { type: 'string' },
        'token-file': { type: 'string' },
      },
    });
    const lockSec = numberOption(values['lock-sec'], '--lock-sec', 30, { min: 1 });
    if (!values.redis) throw new UsageError('--redis URL is needed (the server prints it)');
    try {
      let server: { url: string; token: string } | undefined;
      if (values.server) {
        if (!/^https?:\/\/[^/]/.test(values.server))
          throw new UsageError(`--server wants the server's http(s):// URL, got '${values.server}'`);
        let token = process.env.V2MEOW_SERVE_TOKEN ?? '';
        if (values['token-file']) {
          if (!existsSync(values['token-file']))
            throw new V2meowError('FILE_NOT_FOUND', 'does not exist', values['token-file']);
          token = readFileSync(values['token-file'], 'utf8').trim();
        }
        if (!token)
          throw new UsageError("--server needs the server's worker token: --token-file DATA/worker-token");
        server = { url: values.server, token };
      } else if (values['token-file']) throw new UsageError('--token-file goes with --server');
      const ownScratch = server !== undefined && values.data === undefined;
      const dataDir = resolve(
        values.data ?? (server ? join(tmpdir(), `v2meow-worker-${process.pid}`) : 'v2meow-serve'),
      );
      mkdirSync(dataDir, { recursive: true });
      const worker = await startWorker({
        connection: connectionFromUrl(values.redis),
        dataDir,
        server,
        model: values.model ?? defaultBundleDir(),
        lockDurationMs: lockSec * 1000,
      });
      process.stderr.write(`v2meow worker ${process.pid}: ready\n`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        // started by serve: stop when serve is gone (killed), rather than work on as an orphan
        const parent = Number(process.env.V2MEOW_WORKER_PARENT ?? 0);
        if (parent > 0) setInterval(() => process.ppid !== parent && done(), 1000).unref();
      });
      // let a running job finish, but not for ever: Redis may be gone with serve (closing would then wait for it
      // indefinitely); a second signal stops at once. An unfinished job is retried by another worker.
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        worker.close().then(() => true),
        new Promise<boolean>((stop) => {
          process.once('SIGINT', () => stop(false));
          process.once('SIGTERM', () => stop(false));
          timer = setTimeout(() => stop(false), 60_000);
        }),
      ]);
      clearTimeout(timer);
      if (!closed) {
        process.stderr.write(
          `v2meow worker ${process.pid}: stopped before its job ended; it will be retried\n`,
        );
        process.exit(1);
      }
      if (ownScratch) rmSync(dataDir, { recursive: true, force: true });
      return 0;
    } catch (error) {
      if (error instanceof V2meowError) {
        process.stderr.write(`v2meow worker: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
};
