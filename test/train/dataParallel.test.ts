// Data-parallel building blocks: gradient buckets and the seeded per-rank data order (pure functions), the
// torchrun variables and launch flags, and a real c10d/Gloo process group of two ranks inside this process
// (127.0.0.1 only): all-reduce, broadcast, barrier, averaged gradients, and the error cases (bad rank,
// unreachable master, a rank that never joins, a taken rank, disagreeing world sizes).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import { distributedBackends, initProcessGroup, type ProcessGroup } from '../../src/torch/distributed.js';
import { liveTensorCount, tensor } from '../../src/torch/index.js';
import { bucketIndices, DataParallel, localBatchSize, shardItems } from '../../src/train/dataParallel.js';
import { freePort, parseLaunchFlags, placementFromEnv, workerEnv } from '../../src/train/launch.js';

describe('data order and buckets (pure)', () => {
  test('shards: the ranks of a step together hold the global batch, for any world size; resumable', () => {
    const base = { numItems: 10, seed: 3, globalBatchSize: 4 };
    for (let step = 0; step < 6; step++) {
      const whole = shardItems({ ...base, step, rank: 0, worldSize: 1 });
      for (const worldSize of [2, 4]) {
        const parts = Array.from({ length: worldSize }, (_, rank) =>
          shardItems({ ...base, step, rank, worldSize }),
        );
        // rank r holds positions r, r+W, ... of the step
        const merged = whole.map((_, k) => parts[k % worldSize]![Math.floor(k / worldSize)]!);
        assert.deepEqual(merged, whole);
      }
    }
    // each epoch (10 items = 2.5 steps of 4) visits every item once
    const stream = Array.from({ length: 5 }, (_, step) =>
      shardItems({ ...base, step, rank: 0, worldSize: 1 }).map((i) => i.item),
    ).flat();
    assert.deepEqual(
      [...stream.slice(0, 10)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      [...stream.slice(10, 20)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.notDeepEqual(stream.slice(0, 10), stream.slice(10, 20)); // a new order per epoch
    assert.notDeepEqual(
      shardItems({ ...base, seed: 4, step: 0, rank: 0, worldSize: 1 }),
      shardItems({ ...base, step: 0, rank: 0, worldSize: 1 }),
    );
    assert.throws(() => localBatchSize(6, 4), /batch size 6 does not split evenly over 4 processes/);
  });

  test('buckets: one dtype each, at most the byte cap, a large tensor alone, order kept', () => {
    const buckets = bucketIndices(
      [
        ['float32', 10],
        ['float64', 3],
        ['float32', 20],
        ['float32', 100],
        ['float32', 5],
      ],
      200,
    );
    assert.deepEqual(buckets, [[0, 2], [3], [4], [1]]); // full buckets first, then the open ones by dtype
    assert.deepEqual(bucketIndices([]), []);
  });
});

describe('launch settings', () => {
  test('torchrun variables and flags', () => {
    assert.equal(placementFromEnv({}), null);
    assert.deepEqual(
      placementFromEnv({
        RANK: '3',
        WORLD_SIZE: '4',
        LOCAL_RANK: '1',
        MASTER_ADDR: 'node0',
        MASTER_PORT: '29501',
      }),
      { rank: 3, worldSize: 4, localRank: 1, masterAddr: 'node0', masterPort: 29501 },
    );
    assert.throws(() => placementFromEnv({ RANK: '4', WORLD_SIZE: '4' }), /RANK=4 with WORLD_SIZE=4/);
    assert.throws(
      () => placementFromEnv({ RANK: '1', WORLD_SIZE: '2' }),
      /needs MASTER_ADDR and MASTER_PORT/,
    );
    const plan = parseLaunchFlags({ nproc: '2', nnodes: '3', 'node-rank': '2', master: 'head:1234' }, {});
    assert.deepEqual(
      { ...plan },
      {
        nproc: 2,
        nnodes: 3,
        nodeRank: 2,
        masterAddr: 'head',
        masterPort: 1234,
        backend: 'gloo',
        timeoutMs: 1_800_000,
      },
    );
    const env = workerEnv(plan, 1, 1234, { V2MEOW_THREADS: '8' });
    assert.deepEqual(
      [env.RANK, env.WORLD_SIZE, env.LOCAL_RANK, env.MASTER_ADDR, env.MASTER_PORT, env.V2MEOW_THREADS],
      ['5', '6', '1', 'head', '1234', '4'],
    );
    assert.throws(() => parseLaunchFlags({ nnodes: '2' }, {}), /--nnodes > 1 needs --master HOST:PORT/);
    assert.throws(
      () => parseLaunchFlags({ nnodes: '2', 'node-rank': '2', master: 'h:1' }, {}),
      /--node-rank/,
    );
    assert.throws(() => parseLaunchFlags({ master: 'nohost' }, {}), /--master wants HOST:PORT/);
  });
});

/** Both ranks of a two-process group, joined from this one process. */
async function pair(timeoutMs = 20_000): Promise<[ProcessGroup, ProcessGroup]> {
  const masterPort = await freePort();
  const common = { backend: 'gloo' as const, worldSize: 2, masterAddr: '127.0.0.1', masterPort, timeoutMs };
  const groups = await Promise.all([0, 1].map((rank) => initProcessGroup({ ...common, rank })));
  return groups as [ProcessGroup, ProcessGroup];
}

async function rejects(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof V2meowError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('c10d process group over Gloo (two ranks in this process, 127.0.0.1)', () => {
  test('the addon has the Gloo backend', () => {
    assert.equal(distributedBackends().gloo, true);
  });

  test('allReduce sum/mean, broadcast, barrier, and averaged gradients with a missing one', async () => {
    const before = liveTensorCount();
    const [g0, g1] = await pair();
    try {
      const a = [tensor([1, 2, 3]), tensor([10], [1], { dtype: 'float64' })];
      const b = [tensor([4, 5, 6]), tensor([30], [1], { dtype: 'float64' })];
      await Promise.all([g0.allReduce(a, 'sum'), g1.allReduce(b, 'sum')]);
      assert.deepEqual(a[0]!.toArray(), [5, 7, 9]);
      assert.deepEqual(b[1]!.toArray(), [40]);
      await Promise.all([g0.allReduce(a, 'mean'), g1.allReduce(b, 'mean')]);
      assert.deepEqual(b[0]!.toArray(), [5, 7, 9]);
      const c = tensor([7, 8]);
      const d = tensor([0, 0]);
      await Promise.all([g0.broadcast([c], 1), g1.broadcast([d], 1)]);
      assert.deepEqual(c.toArray(), [0, 0]);
      await Promise.all([g0.barrier(), g1.barrier()]);
      await rejects(g0.broadcast([c], 2), 'BAD_ARGUMENT', /root 2 is not a rank of this group/);
      for (const t of [...a, ...b, c, d]) t.dispose();
    } finally {
      g0.destroy();
      g1.destroy();
    }
    assert.equal(liveTensorCount(), before);
  });

  test('DataParallel: rank 0 parameters everywhere, gradients and statistics averaged (absent grad = zero)', async () => {
    const masterPort = await freePort();
    const join = (rank: number) =>
      DataParallel.join({
        backend: 'gloo',
        rank,
        worldSize: 2,
        masterAddr: '127.0.0.1',
        masterPort,
        timeoutMs: 20_000,
      });
    const ranks = await Promise.all([join(0), join(1)]);
    const models = ranks.map((_, r) => [tensor([r, r + 1], [2], { dtype: 'float64' }), tensor([5 * r])]);
    for (const m of models) for (const p of m) p.requiresGrad_(true);
    try {
      await Promise.all(ranks.map((dp, r) => dp.broadcastFromMain(models[r]!)));
      assert.deepEqual(models[1]![0]!.toArray(), [0, 1]);
      assert.deepEqual(models[1]![1]!.toArray(), [0]);
      // rank 0: grads of both (2x, and 3); rank 1: only the first (4x)
      models[0]![0]!.mul(2).sum().add(models[0]![1]!.mul(3).sum()).backward();
      models[1]![0]!.mul(4).sum().backward();
      await Promise.all(ranks.map((dp, r) => dp.averageGradients(models[r]!)));
      for (const m of models) {
        assert.deepEqual(m[0]!.grad!.toArray(), [3, 3]);
        assert.deepEqual(m[1]!.grad!.toArray(), [1.5]);
      }
      assert.equal(ranks[0]!.lastReducedBytes, 2 * 8 + 4);
      // running statistics averaged in place, each dtype in its own bucket
      const stats = ranks.map((_, r) => [tensor([r, 10 * r], [2], { dtype: 'float64' }), tensor([4 * r])]);
      await Promise.all(ranks.map((dp, r) => dp.averageTensors(stats[r]!)));
      for (const s of stats) {
        assert.deepEqual(s[0]!.toArray(), [0.5, 5]);
        assert.deepEqual(s[1]!.toArray(), [2]);
        for (const t of s) t.dispose();
      }
      // a different model on rank 1 is refused on both ranks, naming rank 1
      const other = [tensor([1, 2, 3], [3], { dtype: 'float64' }), tensor([0])];
      const results = await Promise.allSettled([
        ranks[0]!.broadcastFromMain(models[0]!),
        ranks[1]!.broadcastFromMain(other),
      ]);
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.match(String((r as PromiseRejectedResult).reason), /rank 1 differs from rank 0's/);
      }
      for (const t of other) t.dispose();
      assert.deepEqual(await Promise.all(ranks.map((dp, r) => dp.anyRank(r === 1))), [true, true]);
    } finally {
      for (const m of models) for (const p of m) p.dispose();
      for (const dp of ranks) dp.destroy();
    }
  });

  test('errors: bad rank, unreachable master, a rank that never joins, a taken rank, other world sizes', async () => {
    const masterAddr = '127.0.0.1';
    const base = { backend: 'gloo' as const, masterAddr, timeoutMs: 1500 };
    await rejects(
      initProcessGroup({ ...base, rank: 2, worldSize: 2, masterPort: 29999 }),
      'BAD_ARGUMENT',
      /rank 2: want an integer in 0\.\.1/,
    );
    await rejects(
      initProcessGroup({ ...base, rank: 0, worldSize: 0, masterPort: 29999 }),
      'BAD_ARGUMENT',
      /world size 0/,
    );
    // nobody listens on a fresh free port
    const started = Date.now();
    await rejects(
      initProcessGroup({ ...base, rank: 1, worldSize: 2, masterPort: await freePort() }),
      'MASTER_UNREACHABLE',
      /rank 1 cannot reach the master at 127\.0\.0\.1:\d+ within 1\.5 s/,
    );
    assert.ok(Date.now() - started < 15_000);
    await rejects(
      initProcessGroup({ ...base, rank: 0, worldSize: 3, masterPort: await freePort() }),
      'PEER_LOST',
      /ranks 1, 2 did not join 127\.0\.0\.1:\d+ within 1\.5 s \(world size 3\)/,
    );
    // both ranks fail as soon as both have registered, so a long timeout costs nothing when the check works;
    // 1.5 s was too short for rank 1 to connect at all on a loaded CI machine
    const port = await freePort();
    const patient = { ...base, timeoutMs: 20_000 };
    const settled = await Promise.allSettled([
      initProcessGroup({ ...patient, rank: 0, worldSize: 2, masterPort: port }),
      initProcessGroup({ ...patient, rank: 1, worldSize: 3, masterPort: port }),
    ]);
    for (const s of settled) {
      if (s.status === 'fulfilled') s.value.destroy();
      assert.equal(s.status, 'rejected');
      assert.match(
        String((s as PromiseRejectedResult).reason),
        /was started with world size and backend '\d gloo'/,
      );
    }
    const port2 = await freePort();
    const [first, second] = await Promise.allSettled([
      initProcessGroup({ ...base, rank: 0, worldSize: 2, masterPort: port2 }),
      new Promise((r) => setTimeout(r, 500)).then(() =>
        initProcessGroup({ ...base, rank: 0, worldSize: 2, masterPort: port2 }),
      ),
    ]);
    // the second rank 0 cannot serve the same port
    assert.equal(second.status, 'rejected');
    assert.match(
      String((second as PromiseRejectedResult).reason),
      /rank 0 cannot serve the rendezvous store/,
    );
    assert.equal(first.status, 'rejected'); // and nobody joined the first one as rank 1
    // two processes claiming rank 1: the later one is refused, naming who holds it
    const port3 = await freePort();
    const long = { ...base, worldSize: 2, masterPort: port3, timeoutMs: 20_000 };
    const [r0, r1, again] = await Promise.allSettled([
      initProcessGroup({ ...long, rank: 0 }),
      initProcessGroup({ ...long, rank: 1 }),
      new Promise((r) => setTimeout(r, 1000)).then(() => initProcessGroup({ ...long, rank: 1 })),
    ]);
    assert.equal(again.status, 'rejected');
    assert.match(String((again as PromiseRejectedResult).reason), /rank 1 is already taken by .* pid \d+/);
    for (const s of [r0, r1]) {
      assert.equal(s.status, 'fulfilled');
      (s as PromiseFulfilledResult<ProcessGroup>).value.destroy();
    }
  });
});
