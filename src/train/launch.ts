// Starting a data-parallel run the way torchrun does: `--nproc N` re-runs the same command as N local worker
// processes (the machine's threads split between them through V2MEOW_THREADS), `--nnodes M --node-rank R
// --master HOST:PORT` numbers them across machines, and a worker learns its place from the torchrun variables
// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT, so cluster launchers that set those (Slurm
// scripts, Kubernetes operators, torchrun itself) start workers directly. Any training command calls
// launchOrJoin() first.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { UsageError } from '../cli/command.js';
import { numberOption } from '../cli/options.js';
import { V2meowError } from '../errors.js';
import type { DistributedBackend } from '../torch/distributed.js';
import { DataParallel } from './dataParallel.js';

/** parseArgs options of the launch flags, to spread into a command's own. */
export const launchFlagOptions = {
  nproc: { type: 'string' },
  nnodes: { type: 'string' },
  'node-rank': { type: 'string' },
  master: { type: 'string' },
  'dist-backend': { type: 'string' },
  'dist-timeout': { type: 'string' },
} as const;

/** Usage text of the launch flags. */
export const launchUsage =
  '[--nproc N] [--nnodes M --node-rank R --master HOST:PORT] [--dist-backend gloo|nccl] [--dist-timeout S]';

/** Where one worker stands (the torchrun variables). */
export interface WorkerPlacement {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly masterAddr: string;
  readonly masterPort: number;
}

/** What the launch flags ask for. */
export interface LaunchPlan {
  /** Worker processes on this machine. */
  readonly nproc: number;
  /** Machines in the run. */
  readonly nnodes: number;
  /** This machine's number, 0..nnodes-1 (its workers get ranks nodeRank*nproc ...). */
  readonly nodeRank: number;
  /** Rank 0's machine; 127.0.0.1 on one machine. */
  readonly masterAddr: string;
  /** Rendezvous port; null picks a free one (one machine only). */
  readonly masterPort: number | null;
  readonly backend: DistributedBackend;
  /** Limit for joining and for each collective, ms. */
  readonly timeoutMs: number;
}

/** The default collective timeout of torch.distributed (30 min): rank-0-only work (validation) must fit in it. */
export const defaultDistTimeoutMs = 30 * 60_000;

function envInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new V2meowError('BAD_ARGUMENT', `${name}=${text}: want a whole number >= 0`);
  return value;
}

/** The torchrun variables of a worker, or null when WORLD_SIZE is not set (not started as a worker). */
export function placementFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerPlacement | null {
  const worldSize = envInteger(env, 'WORLD_SIZE');
  if (worldSize === undefined) return null;
  const rank = envInteger(env, 'RANK');
  if (rank === undefined) throw new V2meowError('BAD_ARGUMENT', 'WORLD_SIZE is set but RANK is not');
  if (worldSize < 1 || rank >= worldSize)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `RANK=${rank} with WORLD_SIZE=${worldSize}: want 0 <= RANK < WORLD_SIZE`,
    );
  const masterPort = envInteger(env, 'MASTER_PORT');
  if (worldSize > 1 && (!env.MASTER_ADDR || masterPort === undefined))
    throw new V2meowError('BAD_ARGUMENT', 'WORLD_SIZE > 1 needs MASTER_ADDR and MASTER_PORT');
  return {
    rank,
    worldSize,
    localRank: envInteger(env, 'LOCAL_RANK') ?? rank,
    masterAddr: env.MASTER_ADDR ?? '127.0.0.1',
    masterPort: masterPort ?? 29500,
  };
}

/** Reads the launch flags (values from parseArgs with launchFlagOptions); MASTER_ADDR/PORT fill in --master. */
export function parseLaunchFlags(
  values: Partial<Record<keyof typeof launchFlagOptions, string>>,
  env: NodeJS.ProcessEnv = process.env,
): LaunchPlan {
  const nproc = numberOption(values.nproc, '--nproc', 1, { integer: true, min: 1 });
  const nnodes = numberOption(values.nnodes, '--nnodes', 1, { integer: true, min: 1 });
  const nodeRank = numberOption(values['node-rank'], '--node-rank', 0, {
    integer: true,
    min: 0,
    max: nnodes - 1,
  });
  const backend = values['dist-backend'] ?? 'gloo';
  if (backend !== 'gloo' && backend !== 'nccl')
    throw new UsageError(`--dist-backend: gloo or nccl, got '${backend}'`);
  const timeoutMs =
    1000 * numberOption(values['dist-timeout'], '--dist-timeout', defaultDistTimeoutMs / 1000, { min: 1 });
  let masterAddr = env.MASTER_ADDR || '127.0.0.1';
  let masterPort: number | null = env.MASTER_PORT ? Number(env.MASTER_PORT) : null;
  if (values.master !== undefined) {
    const m = /^(.+):(\d+)$/.exec(values.master);
    if (!m) throw new UsageError(`--master wants HOST:PORT, got '${values.master}'`);
    masterAddr = m[1]!.replace(/^\[(.*)\]$/, '$1');
    masterPort = numberOption(m[2], '--master port', 0, { integer: true, min: 1, max: 65535 });
  }
  if (nnodes > 1 && values.master === undefined && !(env.MASTER_ADDR && env.MASTER_PORT))
    throw new UsageError(
      "--nnodes > 1 needs --master HOST:PORT (rank 0's machine), the same on every machine",
    );
  return { nproc, nnodes, nodeRank, masterAddr, masterPort, backend, timeoutMs };
}

/** A free TCP port on 127.0.0.1 (for a one-machine run without --master). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Environment of local worker `localRank` of a plan. */
export function workerEnv(
  plan: LaunchPlan,
  localRank: number,
  masterPort: number,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const totalThreads = Number(env.V2MEOW_THREADS) || availableParallelism();
  return {
    ...env,
    RANK: String(plan.nodeRank * plan.nproc + localRank),
    WORLD_SIZE: String(plan.nnodes * plan.nproc),
    LOCAL_RANK: String(localRank),
    LOCAL_WORLD_SIZE: String(plan.nproc),
    MASTER_ADDR: plan.masterAddr,
    MASTER_PORT: String(masterPort),
    V2MEOW_THREADS: String(Math.max(1, Math.floor(totalThreads / plan.nproc))),
  };
}

export interface LaunchedRun {
  readonly kind: 'launched';
  /** 0 when every local worker succeeded, else the first failing worker's exit code (1 for a signal). */
  readonly exitCode: number;
}

export interface WorkerRun {
  readonly kind: 'worker';
  /** The process group of this worker (DataParallel.single() when running alone). */
  readonly parallel: DataParallel;
}

/** How long workers get to exit by themselves after one failed, before they are terminated. */
const failureGraceMs = 30_000;

/**
 * Starts `nproc` copies of this process's command with the torchrun variables set, forwards SIGINT/SIGTERM
 * to them, and waits. When one fails, the others get `failureGraceMs` to notice (they exit with an error that
 * names the lost rank) before they are terminated.
 */
async function spawnWorkers(plan: LaunchPlan, log: (m: string) => void): Promise<number> {
  const port = plan.masterPort ?? (await freePort());
  const children: ChildProcess[] = [];
  let firstFailure: number | null = null;
  let killTimer: NodeJS.Timeout | null = null;
  const forward = (signal: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  const onInt = () => forward('SIGINT');
  const onTerm = () => forward('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  log(
    `launching ${plan.nproc} workers (ranks ${plan.nodeRank * plan.nproc}..${(plan.nodeRank + 1) * plan.nproc - 1}` +
      ` of ${plan.nproc * plan.nnodes}), master ${plan.masterAddr}:${port}`,
  );
  try {
    const exits = Array.from({ length: plan.nproc }, (_, localRank) => {
      const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
        stdio: 'inherit',
        env: workerEnv(plan, localRank, port),
      });
      children.push(child);
      return new Promise<number>((resolve) => {
        child.on('error', (err) => {
          log(`worker ${localRank} could not start: ${err.message}`);
          resolve(1);
        });
        child.on('exit', (code, signal) => {
          const status = code ?? 1;
          if (status !== 0 && firstFailure === null) {
            firstFailure = status;
            log(`local rank ${localRank} exited with ${signal ?? `code ${status}`}; waiting for the others`);
            killTimer = setTimeout(() => {
              forward('SIGTERM');
              killTimer = setTimeout(() => forward('SIGKILL'), 10_000);
            }, failureGraceMs);
          }
          resolve(status);
        });
      });
    });
    const codes = await Promise.all(exits);
    return firstFailure ?? codes.find((c) => c !== 0) ?? 0;
  } finally {
    if (killTimer) clearTimeout(killTimer);
    process.off('SIGINT', onInt).off('SIGTERM', onTerm);
  }
}

/**
 * The first call of a training command. As a worker (WORLD_SIZE set: started by this launcher, torchrun or a
 * cluster), joins the process group; with --nproc/--nnodes asking for more than one process, starts this
 * machine's workers and waits for them; otherwise runs alone.
 */
export async function launchOrJoin(
  plan: LaunchPlan,
  log: (m: string) => void = (m) => process.stderr.write(`${m}\n`),
  env: NodeJS.ProcessEnv = process.env,
): Promise<LaunchedRun | WorkerRun> {
  const placement = placementFromEnv(env);
  if (placement) {
    const parallel = await DataParallel.join({
      backend: plan.backend,
      rank: placement.rank,
      worldSize: placement.worldSize,
      localRank: placement.localRank,
      masterAddr: placement.masterAddr,
      masterPort: placement.masterPort,
      timeoutMs: plan.timeoutMs,
    });
    return { kind: 'worker', parallel };
  }
  if (plan.nproc * plan.nnodes > 1) return { kind: 'launched', exitCode: await spawnWorkers(plan, log) };
  return { kind: 'worker', parallel: DataParallel.single() };
}

/** Help text of the launch flags, shared by the training commands. */
export const launchHelp = `Data-parallel (docs/distributed.md): --nproc N runs N local workers (--batch is the global batch,
        split between them; threads split too), --nnodes/--node-rank/--master join machines, and the torchrun
        variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) start a worker directly; only rank 0
        writes. A run resumes with any process count that divides --batch, on the same global batches.`;

/**
 * Runs a training command under its launch flags (values from parseArgs with launchFlagOptions): checks that
 * the global batch splits over the processes, then either starts this machine's workers and returns their
 * exit code, or joins the process group (alone: DataParallel.single()), runs `train` with it and leaves it.
 */
export async function runLaunched(
  values: Partial<Record<keyof typeof launchFlagOptions, string>>,
  globalBatchSize: number,
  train: (parallel: DataParallel) => Promise<number>,
): Promise<number> {
  const plan = parseLaunchFlags(values);
  const processes = placementFromEnv()?.worldSize ?? plan.nproc * plan.nnodes;
  if (globalBatchSize % processes !== 0)
    throw new UsageError(`--batch ${globalBatchSize} does not split evenly over ${processes} processes`);
  const launch = await launchOrJoin(plan);
  if (launch.kind === 'launched') return launch.exitCode;
  try {
    const code = await train(launch.parallel);
    await launch.parallel.barrier(); // rank 0's last checkpoint is written before any rank leaves
    return code;
  } finally {
    launch.parallel.destroy();
  }
}
