// Redis for the job queue: a private `redis-server` (Debian package) on a unix socket inside the data folder,
// with append-only persistence so queued and finished jobs survive a restart, or a Redis named by URL
// (`redis://host:port/db`, `unix:///path/to.sock`). BullMQ needs maxRetriesPerRequest null on its connections.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ConnectionOptions } from 'bullmq';
import { V2meowError } from '../errors.js';

/** ioredis options for a Redis URL (redis://, rediss:// or unix://). */
export function connectionFromUrl(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new V2meowError(
      'BAD_ARGUMENT',
      `--redis wants a URL like redis://host:6379 or unix:///path, got '${url}'`,
    );
  }
  const common = { maxRetriesPerRequest: null } as const;
  if (parsed.protocol === 'unix:') return { ...common, path: decodeURIComponent(parsed.pathname) };
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new V2meowError('BAD_ARGUMENT', `--redis wants redis://, rediss:// or unix://, got '${url}'`);
  const db = Number(parsed.pathname.slice(1) || 0);
  return {
    ...common,
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(Number.isInteger(db) ? { db } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Stops a redis-server left running by a serve that was killed (its pid file names it), so the restart's own
 * redis-server reads the append-only file alone. */
async function stopLeftover(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // not running
  }
  if (!Number.isInteger(pid) || pid <= 1 || !command.includes('redis-server')) return;
  // and only ours: redis-server runs in its --dir, this data folder's redis folder
  if (readlinkSafe(`/proc/${pid}/cwd`) !== dirname(pidFile)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 200 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 50));
}

function readlinkSafe(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

export interface PrivateRedis {
  /** unix:// URL of its socket (what `v2meow worker --redis` takes). */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts redis-server on `DATA/redis/redis.sock`, persisting to `DATA/redis` (AOF); resolves when it answers. */
export async function startPrivateRedis(dataDir: string): Promise<PrivateRedis> {
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'redis.sock');
  const pidFile = join(dir, 'redis.pid');
  await stopLeftover(pidFile);
  // a socket file left by a killed redis-server would look like a ready one
  rmSync(socket, { force: true });
  let child: ChildProcess;
  const args = [
    '--port',
    '0',
    '--unixsocket',
    socket,
    '--unixsocketperm',
    '700',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--pidfile',
    pidFile,
  ];
  try {
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new V2meowError('BAD_ARGUMENT', `cannot start redis-server: ${(error as Error).message}`);
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.once('error', () => undefined);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `redis-server exited (is the Debian package redis-server installed?) ${stderr.trim()}`,
      );
    if (existsSync(socket)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new V2meowError('BAD_ARGUMENT', 'redis-server did not open its socket within 15 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `unix://${socket}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
