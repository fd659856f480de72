// Train step time of each stage (issue 13's compute plan): the stage trainers' own batch path
// (src/train/stage*Task.ts: reader batch -> the stage's tensors -> forward, backward, gradient clipping and an
// AdamW update, as src/train/loop.ts runs them) on a synthetic reader batch with the real shapes (semantic
// vocabulary of the committed tokenizer, 12 codec levels of 1024, half the rows paired with motion 16-d at 8 Hz, pose 51-d at 4 Hz, semantic 1280-d at
// 1 Hz and tokens 49 x 256 at 1 Hz). Prints seconds per step (median of the timed steps after one warm-up
// step), the CPU seconds of this process per step (user + system, all libtorch threads: what a CPU-hour
// budget buys), and the machine's load average, which matters on a shared machine.
// Usage: node dist/scripts/bench-stage-train.js [--preset small] [--batch 8] [--steps 3] [--stages stage1,stage2,stage3]
//        [--seconds S] (crop length of every stage benched; default 10 / 10 / 3) [--set KEY=JSON]... (config
//        fields replaced, as `v2meow train --set`; several --set lines per stage: run the script once per variant)
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { PairBatch } from '../src/dataset/reader.js';
import { styleDim } from '../src/encoders/clipStyle.js';
import { framesIn, semanticRateHz } from '../src/features/timeline.js';
import type { PresetName } from '../src/models/common.js';
import type { StageModel } from '../src/models/modelFile.js';
import { committedSemanticTokenizer } from '../src/tokens/semantic.js';
import { AdamW, clipGradNorm, manualSeed, tidy } from '../src/torch/index.js';
import { stage1Definition } from '../src/train/stage1Task.js';
import { stage2Definition } from '../src/train/stage2Task.js';
import { stage3Definition } from '../src/train/stage3Task.js';
import type { DatasetFacts } from '../src/train/stageData.js';
import type { StageDefinition } from '../src/train/stageTask.js';
import { createRandom } from '../src/util/random.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'small' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '3' },
    stages: { type: 'string', default: 'stage1,stage2,stage3' },
    seconds: { type: 'string' },
    set: { type: 'string', multiple: true },
  },
});
const preset = values.preset as PresetName;
const batchSize = Number(values.batch);
const timedSteps = Number(values.steps);
const random = createRandom(1);
const overrides = Object.fromEntries(
  (values.set ?? []).map((item) => [
    item.slice(0, item.indexOf('=')),
    JSON.parse(item.slice(item.indexOf('=') + 1)),
  ]),
);

const facts: DatasetFacts = {
  dir: '(synthetic)',
  semanticVocabularySize: committedSemanticTokenizer.vocabularySize,
  semanticTokenizerId: committedSemanticTokenizer.id,
  acousticCodebookSize: 1024,
  acousticLevels: 12,
  visualStreams: new Map([
    ['motion', { rateHz: 8, numFrames: 0, dim: 16, kind: 'dense' }],
    ['pose', { rateHz: 4, numFrames: 0, dim: 51, kind: 'dense' }],
    ['semantic', { rateHz: 1, numFrames: 0, dim: 1280, kind: 'dense' }],
    ['tokens', { rateHz: 1, numFrames: 0, dim: 49, kind: 'tokens', vocabularySize: 256 }],
  ]),
  trainHoursBySource: {},
  trainHoursByKind: {},
  featurizers: {},
};

/** A reader batch of `seconds` windows with random contents and the real shapes. */
function syntheticBatch(seconds: number): PairBatch {
  const s = framesIn(seconds, semanticRateHz);
  const ints = (n: number, size: number) => Int32Array.from({ length: n }, () => Math.floor(random() * size));
  const reals = (n: number) => Float32Array.from({ length: n }, () => random());
  const hasVideo = Uint8Array.from({ length: batchSize }, (_, b) => (b % 2 === 0 ? 1 : 0));
  const visual: PairBatch['visual'] = {};
  for (const [name, info] of facts.visualStreams) {
    const numFrames = Math.round(seconds * info.rateHz);
    const n = batchSize * numFrames * info.dim;
    visual[name] = {
      ...info,
      numFrames,
      data: info.kind === 'tokens' ? Float32Array.from(ints(n, 256)) : reals(n),
      present: hasVideo,
    };
  }
  return {
    batchSize,
    numSemanticFrames: s,
    acousticLevels: 12,
    semantic: ints(batchSize * s, facts.semanticVocabularySize),
    acoustic: ints(batchSize * 12 * 2 * s, 1024),
    style: reals(batchSize * styleDim),
    musicCurves: reals(batchSize * s * 6),
    videoCurves: reals(batchSize * s * 6),
    hasVideo,
    visual,
    rows: [],
    position: { epoch: 0, position: 0 },
    next: { epoch: 0, position: 0 },
  };
}

function bench<C extends { version: number }, M extends StageModel, I>(
  definition: StageDefinition<C, M, I>,
  seconds: number,
): void {
  const config = { ...definition.config(preset, facts, seconds), ...overrides };
  definition.check(config, facts);
  manualSeed(0);
  const model = definition.build(config);
  const params = model.parameters();
  const optimizer = new AdamW(params, { lr: 3e-4, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.01 });
  const batch = syntheticBatch(seconds);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let loss = 0;
  for (let step = 0; step <= timedSteps; step++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    loss = tidy(() => {
      const out = definition.forward(model, definition.inputs(batch, 0, batchSize, config));
      optimizer.zeroGrad();
      out.loss.backward();
      return out.loss.item();
    });
    clipGradNorm(params, 1);
    optimizer.stepWith(3e-4);
    if (step > 0) {
      times.push((performance.now() - t0) / 1000);
      const cpu = process.cpuUsage(cpu0);
      cpuTimes.push((cpu.user + cpu.system) / 1e6);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const millions = (model.numParameters() / 1e6).toFixed(2);
  const variant = Object.keys(overrides).length ? ` ${JSON.stringify(overrides)}` : '';
  console.log(
    `${definition.name}${variant} ${preset} batch ${batchSize} x ${seconds} s: ${median(times).toFixed(2)} s/step wall, ` +
      `${median(cpuTimes).toFixed(2)} CPU-s/step ` +
      `(steps ${times.map((t) => t.toFixed(2)).join(', ')}; ${millions}M parameters; loss ${loss.toFixed(3)})`,
  );
  optimizer.dispose();
  model.dispose();
}

console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const stages = new Set(values.stages.split(','));
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
if (stages.has('stage1')) bench(stage1Definition, seconds ?? 10);
if (stages.has('stage2')) bench(stage2Definition, seconds ?? 10);
if (stages.has('stage3')) bench(stage3Definition, seconds ?? 3);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
