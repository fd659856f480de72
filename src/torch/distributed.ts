// Process groups over libtorch's c10d (the engine of PyTorch's torch.distributed): a TCP-store rendezvous at the
// master's address, then all-reduce, broadcast and barrier over Gloo (CPU tensors) or NCCL (CUDA tensors, when
// the addon was built against a CUDA libtorch with NCCL). Collectives run on libuv's thread pool and return
// Promises, so timers and signal handlers keep running while a rank waits for the others; calls on one group
// are queued so every rank issues them in the same order. Failures are V2meowErrors: MASTER_UNREACHABLE,
// PEER_LOST (naming the lost rank when the heartbeats tell it) or BAD_ARGUMENT.
import { V2meowError } from '../errors.js';
import { native } from './native.js';
import type { Tensor } from './tensor.js';

export type DistributedBackend = 'gloo' | 'nccl';
export type ReduceOp = 'sum' | 'mean';

export interface ProcessGroupOptions {
  /** 'gloo' for CPU tensors; 'nccl' for CUDA tensors (needs an addon built against a CUDA libtorch). */
  readonly backend: DistributedBackend;
  /** This process's rank, 0..worldSize-1; rank 0 serves the rendezvous store. */
  readonly rank: number;
  /** Number of processes in the group, on all machines together. */
  readonly worldSize: number;
  /** Host name or address of rank 0's machine (MASTER_ADDR). */
  readonly masterAddr: string;
  /** TCP port of the rendezvous store on the master (MASTER_PORT). */
  readonly masterPort: number;
  /**
   * Limit for joining the group and for each collective, ms (default 30 min, as torch.distributed). A peer
   * that died is found at once (closed sockets) or within ~10 s (its heartbeat stops); only a peer that is
   * alive but stuck makes a collective wait this long.
   */
  readonly timeoutMs?: number;
  /** Rank on this machine; with NCCL it picks the GPU (LOCAL_RANK modulo the GPUs present). */
  readonly localRank?: number;
}

/** Backends this build of the addon can use. */
export function distributedBackends(): { gloo: boolean; nccl: boolean } {
  return native.distBackends();
}

function translate(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    const code = e.code === 'MASTER_UNREACHABLE' || e.code === 'BAD_ARGUMENT' ? e.code : 'PEER_LOST';
    return new V2meowError(code, e.message, undefined, { cause: err });
  }
  return err;
}

function checkOptions(o: ProcessGroupOptions): void {
  const bad = (message: string) => new V2meowError('BAD_ARGUMENT', message);
  if (o.backend !== 'gloo' && o.backend !== 'nccl') throw bad(`backend '${o.backend}': want gloo or nccl`);
  if (!Number.isInteger(o.worldSize) || o.worldSize < 1)
    throw bad(`world size ${o.worldSize}: want a positive integer`);
  if (!Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.worldSize)
    throw bad(`rank ${o.rank}: want an integer in 0..${o.worldSize - 1} (world size ${o.worldSize})`);
  if (!o.masterAddr) throw bad('master address is empty (MASTER_ADDR or --master HOST:PORT)');
  if (!Number.isInteger(o.masterPort) || o.masterPort < 1 || o.masterPort > 65535)
    throw bad(`master port ${o.masterPort}: want an integer in 1..65535`);
  if (o.timeoutMs !== undefined && !(o.timeoutMs > 0)) throw bad(`timeout ${o.timeoutMs} ms: want > 0`);
  const backends = distributedBackends();
  if (!backends.gloo)
    throw bad('this addon was built without c10d (install libgloo-dev, then `npm run build:native`)');
  if (o.backend === 'nccl' && !backends.nccl)
    throw bad(
      "backend 'nccl' needs the addon built against a CUDA libtorch with NCCL (LIBTORCH=/path npm run build:native)",
    );
}

/** A group of processes that run collectives together (torch.distributed's ProcessGroup). */
export class ProcessGroup {
  #group: object | null;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    group: object,
    readonly rank: number,
    readonly worldSize: number,
    readonly backend: DistributedBackend,
  ) {
    this.#group = group;
  }

  /** Joins the group (every rank calls this with the same worldSize, backend and master). */
  static async init(options: ProcessGroupOptions): Promise<ProcessGroup> {
    checkOptions(options);
    const timeoutMs = Math.ceil(options.timeoutMs ?? 30 * 60_000);
    try {
      const group = await native.distInit(
        options.backend,
        options.rank,
        options.worldSize,
        options.masterAddr,
        options.masterPort,
        timeoutMs,
        options.localRank ?? options.rank,
      );
      return new ProcessGroup(group, options.rank, options.worldSize, options.backend);
    } catch (err) {
      throw translate(err);
    }
  }

  get #handle(): object {
    if (this.#group === null) throw new V2meowError('BAD_ARGUMENT', 'the process group was destroyed');
    return this.#group;
  }

  /** Queues a native collective after the ones already issued (same order on every rank). */
  #enqueue(call: (group: object) => Promise<void>): Promise<void> {
    const group = this.#handle;
    const run = this.#queue
      .then(() => call(group))
      .catch((err) => {
        throw translate(err);
      });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Reduces each tensor across ranks in place (sum, or mean = sum / worldSize). Tensors must be contiguous. */
  allReduce(tensors: readonly Tensor[], op: ReduceOp = 'sum'): Promise<void> {
    const handles = tensors.map((t) => t.handle);
    return this.#enqueue((g) => native.distAllReduce(g, handles, op, true));
  }

  /** Gives every rank's tensors the values of `root`'s, in place. */
  broadcast(tensors: readonly Tensor[], root = 0): Promise<void> {
    const handles = tensors.map((t) => t.handle);
    return this.#enqueue((g) => native.distBroadcast(g, handles, root, true));
  }

  /** Resolves when every rank has reached this barrier. */
  barrier(): Promise<void> {
    return this.#enqueue((g) => native.distBarrier(g, true));
  }

  /**
   * allReduce on the JavaScript thread (it blocks timers and signals until the others arrive): kept to
   * measure what running collectives off the thread costs (scripts/bench-distributed.ts).
   */
  allReduceBlocking(tensors: readonly Tensor[], op: ReduceOp = 'sum'): void {
    try {
      native.distAllReduce(
        this.#handle,
        tensors.map((t) => t.handle),
        op,
        false,
      );
    } catch (err) {
      throw translate(err);
    }
  }

  /** Leaves the group: stops the heartbeat; rank 0 also closes the store. Safe to call twice. */
  destroy(): void {
    if (this.#group === null) return;
    native.distDestroy(this.#group);
    this.#group = null;
  }
}

/** Joins a process group (see ProcessGroupOptions); resolves once every rank has joined. */
export function initProcessGroup(options: ProcessGroupOptions): Promise<ProcessGroup> {
  return ProcessGroup.init(options);
}
