// Memory stays flat over a long training loop: the live native tensor count returns to its start after
// every step and the resident set size does not grow (within 10%) between step 200 and step 1000.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AdamW,
  allocatorStats,
  clipGradNorm,
  emptyCache,
  F,
  liveTensorCount,
  manualSeed,
  nn,
  randint,
  randn,
  setCacheLimit,
  tidy,
  zeros,
} from '../../src/torch/index.js';

class Mlp extends nn.Module {
  readonly embed = this.child('embed', new nn.Embedding(64, 32));
  readonly conv = this.child('conv', new nn.Conv1d(32, 32, 3, { padding: 1 }));
  readonly norm = this.child('norm', new nn.LayerNorm(32));
  readonly out = this.child('out', new nn.Linear(32, 64));
  forward(tokens: ReturnType<typeof randint>) {
    const x = this.embed.forward(tokens).transpose(1, 2); // [B, 32, T]
    const h = this.conv.forward(x).gelu().transpose(1, 2); // [B, T, 32]
    return this.out.forward(this.norm.forward(h)); // [B, T, 64]
  }
}

test('1000 training steps keep the live tensor count constant and RSS flat', () => {
  manualSeed(5);
  const model = new Mlp();
  const params = model.parameters();
  const optimizer = new AdamW(params, { lr: 1e-3 });
  const live = liveTensorCount();
  let rssAt200 = 0;
  for (let step = 0; step < 1000; step++) {
    tidy(() => {
      const tokens = randint(0, 64, [16, 32]);
      const noise = randn([16, 32, 64]).mul(0.01);
      const logits = model.forward(tokens).add(noise);
      const loss = F.crossEntropy(logits.transpose(1, 2), tokens);
      loss.backward();
      clipGradNorm(params, 1);
      optimizer.stepWith();
      optimizer.zeroGrad();
      void loss.item();
    });
    assert.equal(liveTensorCount(), live, `step ${step}`);
    if (step === 200) rssAt200 = process.memoryUsage.rss();
  }
  const rssAt1000 = process.memoryUsage.rss();
  assert.ok(rssAt1000 < rssAt200 * 1.1, `RSS grew from ${rssAt200} to ${rssAt1000}`);
  optimizer.dispose();
  model.dispose();
});

test('the caching allocator reuses freed blocks and empties on request', () => {
  emptyCache();
  const start = allocatorStats();
  const a = zeros([1000, 100]); // 400,000 bytes -> one 448 KiB block
  const during = allocatorStats();
  assert.equal(during.inUseBytes - start.inUseBytes, 448 * 1024);
  a.dispose();
  assert.equal(allocatorStats().cachedBytes, 448 * 1024);
  const b = zeros([100, 1000]); // same size class: served from the cache
  assert.equal(allocatorStats().cachedBytes, 0);
  assert.equal(allocatorStats().inUseBytes, during.inUseBytes);
  b.dispose();
  assert.equal(emptyCache(), 448 * 1024);
  assert.equal(allocatorStats().cachedBytes, 0);
  assert.equal(allocatorStats().inUseBytes, start.inUseBytes);
});

test('shapes that keep changing stay under the limit; fixed shapes keep every block', () => {
  emptyCache();
  const mib = 1024 * 1024;
  const was = setCacheLimit(200 * mib);
  try {
    // 60 blocks of 60 size classes (1..60 MiB, 1.8 GiB in all), each freed before the next is made: a miss
    // that would pass the limit unmaps cached blocks first, so in use + cached stays within it
    for (let n = 1; n <= 60; n++) {
      zeros([n * 262_144]).dispose();
      const { inUseBytes, cachedBytes } = allocatorStats();
      assert.ok(inUseBytes + cachedBytes <= 200 * mib + 64 * mib, `${inUseBytes} + ${cachedBytes} bytes`);
    }
    assert.ok(allocatorStats().cachedBytes >= 60 * mib); // the last block stays for reuse
    // a loop that needs 5 blocks of 3 sizes (90 MiB) at once: after its first pass, no block is unmapped
    emptyCache();
    const pass = () => {
      const held = [8, 8, 16, 16, 32].map((n) => zeros([n * 262_144]));
      for (const t of held) t.dispose();
    };
    pass();
    const cached = allocatorStats().cachedBytes;
    for (let k = 0; k < 5; k++) pass();
    assert.equal(allocatorStats().cachedBytes, cached);
    assert.equal(cached, 80 * mib);
  } finally {
    setCacheLimit(was);
    emptyCache();
  }
});
