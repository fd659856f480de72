// `npm run bench:generate`: how fast the three stages generate on this machine, small preset, random weights
// (speed does not depend on what the weights learnt). Side by side in one run:
//   1. per stage and layout: ms per decoding step (or parallel pass) and steps per second of music, over a
//      whole 10 s chain (stage 1 in 10 s windows, stage 2 in 10 s windows, stage 3 in 3 s windows);
//   2. what 3 candidates in one batch cost against 1, and classifier-free guidance (2 rows per candidate);
//   3. the real-time factor (wall time / seconds of music) of the token chain for 10 s and 60 s, for the
//      faithful layouts (flattened stage 2 and 3) and the fast ones (delay stage 2, masked stage 3).
//   4. the whole pipeline from a video (V2Meow.generate on the demo video: visual streams and rhythm curves,
//      the three stages in the default layouts, the trained codec's decoder), per step and in all, for 10 s
//      and 60 s of music.
// Sections 1-3 leave out the feature extraction and the codec decoder. BENCH_SECONDS_LONG (default 60) sets
// the long runs; BENCH_FLAT_LONG=1 also runs the flattened chain for it (otherwise its 60 s figure is 6 x its
// measured 10 s); BENCH_VIDEO picks the video (default ../shared/media/video/big_buck_bunny_60s.mp4).
// The last line is `rtf_10s=<x> rtf_60s=<y>`: the whole pipeline from a video (section 4).
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCodecPath } from '../src/codec/files.js';
import { loadCodec } from '../src/codec/soundstream.js';
import { semanticRateHz } from '../src/features/timeline.js';
import {
  DebugSemanticTokenizer,
  LexiconTextStyle,
  VisualConditionSource,
} from '../src/generate/debugParts.js';
import { V2Meow } from '../src/generate/pipeline.js';
import { type StreamInputs, type StreamSpec, sliceStreamInputs } from '../src/models/common.js';
import { Stage1, stage1Config } from '../src/models/stage1.js';
import { Stage2, stage2Config } from '../src/models/stage2.js';
import { Stage3, stage3Config } from '../src/models/stage3.js';
import { continueInWindows } from '../src/models/windows.js';
import { committedSemanticTokenizer } from '../src/tokens/semantic.js';
import { getNumThreads, manualSeed, randint, randn, type Tensor, tidy } from '../src/torch/index.js';

const shortSeconds = Number(process.env.BENCH_SECONDS ?? 10);
const longSeconds = Number(process.env.BENCH_SECONDS_LONG ?? 60);
manualSeed(0);

const stage1 = new Stage1(stage1Config('small')).eval();
const stage2 = {
  flattened: new Stage2(stage2Config('small', { layout: 'flattened' })).eval(),
  delay: new Stage2(stage2Config('small', { layout: 'delay' })).eval(),
};
const stage3 = {
  flattened: new Stage3(stage3Config('small', { layout: 'flattened' })).eval(),
  masked: new Stage3(stage3Config('small', { layout: 'masked' })).eval(),
};
type Layouts = { stage2: keyof typeof stage2; stage3: keyof typeof stage3 };

/** Random video conditions of `seconds` (the stage-1 streams at their rates) and a style vector. */
function conditions(seconds: number, rows = 1): StreamInputs & { style: Tensor } {
  const streams: Record<string, Tensor> = {};
  for (const s of stage1.config.streams) {
    const frames = Math.max(1, Math.ceil(seconds * s.rateHz));
    streams[s.name] =
      s.kind === 'tokens'
        ? randint(0, s.vocabularySize!, [rows, frames, s.dim]).float().keep()
        : randn([rows, frames, s.dim]).keep();
  }
  return { streams, style: randn([rows, stage1.config.styleDim]).keep() };
}

interface StageTiming {
  ms: number;
  /** Process CPU time (all threads). */
  cpuMs: number;
  steps: number;
}
interface ChainTiming {
  stage1: StageTiming;
  stage2: StageTiming;
  stage3: StageTiming;
  totalMs: number;
  totalCpuMs: number;
}

/** Semantic -> coarse -> fine for `seconds` of music, window by window, timed per stage; `rows` candidates. */
function chain(seconds: number, layouts: Layouts, rows = 1): ChainTiming {
  const c = conditions(seconds, rows);
  const tokens = Math.round(seconds * semanticRateHz);
  const frames = 2 * tokens;
  const zero = () => ({ ms: 0, cpuMs: 0, steps: 0 });
  const timing = { stage1: zero(), stage2: zero(), stage3: zero() };
  const count = (t: StageTiming) => () => void t.steps++;
  const timed = <R>(t: StageTiming, fn: () => R): R => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const out = fn();
    t.ms += performance.now() - t0;
    const c = process.cpuUsage(c0);
    t.cpuMs += (c.user + c.system) / 1000;
    return out;
  };
  const total0 = performance.now();
  const cpu0 = process.cpuUsage();
  const semantic = timed(timing.stage1, () =>
    continueInWindows(tokens, 250, 50, (w, prompt) => {
      const start = w.start - w.promptFrames;
      const window = sliceStreamInputs(
        c,
        stage1.config.streams,
        start / semanticRateHz,
        (w.promptFrames + w.newFrames) / semanticRateHz,
      );
      return stage1.generate(
        { ...window, style: c.style },
        { numTokens: w.newFrames, prompt, seed: 1, onStep: count(timing.stage1) },
      );
    }),
  );
  const s2 = stage2[layouts.stage2];
  const coarse = timed(timing.stage2, () =>
    continueInWindows(frames, 500, 100, (w, prompt) => {
      const start = w.start - w.promptFrames;
      const window = semantic.narrow(1, start / 2, Math.ceil((w.promptFrames + w.newFrames) / 2));
      return s2.generate(
        { semantic: window },
        { numFrames: w.newFrames, prompt, seed: 2, onStep: count(timing.stage2) },
      );
    }),
  );
  const s3 = stage3[layouts.stage3];
  const overlap = layouts.stage3 === 'masked' ? 0 : 30;
  const fine = timed(timing.stage3, () =>
    continueInWindows(frames, 150, overlap, (w, prompt) => {
      const start = w.start - w.promptFrames;
      return s3.generate(
        { coarse: coarse.narrow(2, start, w.promptFrames + w.newFrames) },
        { prompt, seed: 3, onStep: count(timing.stage3) },
      );
    }),
  );
  const totalMs = performance.now() - total0;
  const cpu = process.cpuUsage(cpu0);
  const totalCpuMs = (cpu.user + cpu.system) / 1000;
  for (const t of [semantic, coarse, fine, c.style, ...Object.values(c.streams ?? {})]) t.dispose();
  return { ...timing, totalMs, totalCpuMs };
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);
/** Process CPU ms (all threads) since a process.cpuUsage() reading. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1000;
};
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (wall times on a shared machine grow with it; CPU times less so)`,
);
console.log(
  `threads=${getNumThreads()} preset=small random weights; no visual extraction, no codec decoding`,
);
console.log(
  `params: stage1 ${(stage1.numParameters() / 1e6).toFixed(1)}M, stage2 flattened ${(stage2.flattened.numParameters() / 1e6).toFixed(1)}M / delay ${(stage2.delay.numParameters() / 1e6).toFixed(1)}M, stage3 flattened ${(stage3.flattened.numParameters() / 1e6).toFixed(1)}M / masked ${(stage3.masked.numParameters() / 1e6).toFixed(1)}M`,
);

// warm-up (layer plans, allocator)
tidy(() => void chain(1, { stage2: 'delay', stage3: 'masked' }));

console.log(`\n1. ${shortSeconds} s of music, per stage: ms per step | steps per second of music | seconds`);
const runs: Record<string, ChainTiming> = {};
for (const layouts of [
  { stage2: 'flattened', stage3: 'flattened' },
  { stage2: 'delay', stage3: 'masked' },
] as Layouts[]) {
  const name = `${layouts.stage2}+${layouts.stage3}`;
  const t = chain(shortSeconds, layouts);
  runs[name] = t;
  for (const [stage, layout] of [
    ['stage1', 'enc-dec'],
    ['stage2', layouts.stage2],
    ['stage3', layouts.stage3],
  ] as const) {
    const s = t[stage];
    console.log(
      `  ${stage} ${layout.padEnd(9)} ${fmt(s.ms / s.steps, 2).padStart(7)} ms/step (CPU ${fmt(s.cpuMs / s.steps, 2)})  ${fmt(s.steps / shortSeconds).padStart(6)} steps/s  ${fmt(s.ms / 1000, 2).padStart(6)} s (CPU ${fmt(s.cpuMs / 1000, 2)} s)`,
    );
  }
  console.log(
    `  chain ${name}: ${fmt(t.totalMs / 1000, 2)} s for ${shortSeconds} s, RTF ${fmt(t.totalMs / (shortSeconds * 1000), 3)} (CPU ${fmt(t.totalCpuMs / 1000, 2)} s)`,
  );
}

console.log(
  '\n2. candidates and guidance in one batch (stage 1, 100 tokens; stage 2 delay, 100 frames): ms per step',
);
const c4 = conditions(4);
for (const rows of [1, 3]) {
  const cpu1 = process.cpuUsage();
  const t1 = performance.now();
  let steps = 0;
  tidy(
    () =>
      void stage1.generate(
        { ...c4, style: c4.style },
        { numTokens: 100, candidates: rows, onStep: () => steps++ },
      ),
  );
  const ms1 = (performance.now() - t1) / steps;
  const cpuMs1 = cpuSince(cpu1) / steps;
  const cpu2 = process.cpuUsage();
  const t2 = performance.now();
  let steps2 = 0;
  tidy(() => {
    const semantic = randint(0, committedSemanticTokenizer.vocabularySize, [1, 50]);
    stage2.delay.generate({ semantic }, { numFrames: 100, candidates: rows, onStep: () => steps2++ });
  });
  const ms2 = (performance.now() - t2) / steps2;
  const cpuMs2 = cpuSince(cpu2) / steps2;
  const cpu3 = process.cpuUsage();
  const t3 = performance.now();
  let steps3 = 0;
  tidy(
    () =>
      void stage1.generate(
        { ...c4, style: c4.style },
        { numTokens: 100, candidates: rows, guidanceScale: 3, onStep: () => steps3++ },
      ),
  );
  const ms3 = (performance.now() - t3) / steps3;
  const cpuMs3 = cpuSince(cpu3) / steps3;
  console.log(
    `  ${rows} candidate(s): stage1 ${fmt(ms1, 2)} ms/step (CPU ${fmt(cpuMs1, 2)}), with guidance ${fmt(ms3, 2)} (CPU ${fmt(cpuMs3, 2)}) (${2 * rows} rows); stage2 delay ${fmt(ms2, 2)} (CPU ${fmt(cpuMs2, 2)})`,
  );
}
console.log('  3 candidates of 10 s, whole chain (delay + masked):');
const three = chain(shortSeconds, { stage2: 'delay', stage3: 'masked' }, 3);
const one = runs['delay+masked']!;
console.log(
  `    3 candidates ${fmt(three.totalMs / 1000, 2)} s (CPU ${fmt(three.totalCpuMs / 1000, 2)}) vs 1 candidate ${fmt(one.totalMs / 1000, 2)} s (CPU ${fmt(one.totalCpuMs / 1000, 2)}) (stage1 ${fmt(three.stage1.ms / 1000, 2)} vs ${fmt(one.stage1.ms / 1000, 2)}, stage2 ${fmt(three.stage2.ms / 1000, 2)} vs ${fmt(one.stage2.ms / 1000, 2)}, stage3 ${fmt(three.stage3.ms / 1000, 2)} vs ${fmt(one.stage3.ms / 1000, 2)})`,
);

console.log(`\n3. real-time factor (wall time / seconds of music), token stages only`);
const long = chain(longSeconds, { stage2: 'delay', stage3: 'masked' });
const flat10 = runs['flattened+flattened']!.totalMs / (shortSeconds * 1000);
const flatLong =
  process.env.BENCH_FLAT_LONG === '1'
    ? chain(longSeconds, { stage2: 'flattened', stage3: 'flattened' }).totalMs / (longSeconds * 1000)
    : null;
console.log(
  `  flattened + flattened: 10 s ${fmt(flat10, 3)}, ${longSeconds} s ${flatLong === null ? `~${fmt(flat10, 3)} (not run: 6 x the 10 s chain)` : fmt(flatLong, 3)}`,
);
const fast10 = runs['delay+masked']!.totalMs / (shortSeconds * 1000);
const fastLong = long.totalMs / (longSeconds * 1000);
console.log(
  `  delay + masked:        10 s ${fmt(fast10, 3)}, ${longSeconds} s ${fmt(fastLong, 3)} (stage1 ${fmt(long.stage1.ms / 1000, 1)} s, stage2 ${fmt(long.stage2.ms / 1000, 1)} s, stage3 ${fmt(long.stage3.ms / 1000, 1)} s)`,
);
console.log(
  `  CPU time / (${getNumThreads()} threads x seconds of music), what an otherwise idle machine would approach: 10 s ${fmt(runs['delay+masked']!.totalCpuMs / getNumThreads() / (shortSeconds * 1000), 3)}, ${longSeconds} s ${fmt(long.totalCpuMs / getNumThreads() / (longSeconds * 1000), 3)}; flattened 10 s ${fmt(runs['flattened+flattened']!.totalCpuMs / getNumThreads() / (shortSeconds * 1000), 3)}`,
);
console.log(`  token chain, default layouts: rtf_10s=${fmt(fast10, 3)} rtf_60s=${fmt(fastLong, 3)}`);
for (const m of [stage1, ...Object.values(stage2), ...Object.values(stage3)]) m.dispose();

console.log('\n4. whole pipeline from a video: features + stages (small, delay + masked) + codec decoder');
const video =
  process.env.BENCH_VIDEO ??
  join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    'shared',
    'media',
    'video',
    'big_buck_bunny_60s.mp4',
  );
// stage 1 reads the streams the extractor gives (their dims and rates), as a model trained on them would
const extracted = await new VisualConditionSource(['curves', 'semantic', 'motion', 'tokens']).extract(video, {
  seconds: 2,
});
const streamSpecs: StreamSpec[] = Object.values(extracted.streams).map((s) => ({
  name: s.name,
  kind: s.kind,
  dim: s.dim,
  rateHz: s.rateHz,
  vocabularySize: s.vocabularySize,
}));
const pipeline = smallPipeline(streamSpecs);
const rtf: number[] = [];
for (const seconds of [shortSeconds, longSeconds]) {
  const result = await pipeline.generate({ video, seconds, seed: 1 });
  const t = result.timingsSec;
  rtf.push(t.total / result.seconds);
  console.log(
    `  ${fmt(result.seconds)} s: ${fmt(t.total, 2)} s, RTF ${fmt(t.total / result.seconds, 3)} (features ${fmt(t.features, 1)} s, stage1 ${fmt(t.stage1, 1)} s, stage2 ${fmt(t.stage2, 1)} s, stage3 ${fmt(t.stage3, 1)} s, codec ${fmt(t.codec, 1)} s)`,
  );
}
pipeline.dispose();
console.log(`rtf_10s=${fmt(rtf[0]!, 3)} rtf_60s=${fmt(rtf[1]!, 3)}`);

/** Small-preset random stages (default layouts) sized for the trained codec, reading every visual stream. */
function smallPipeline(streams: StreamSpec[]): V2Meow {
  const { codec, rest } = loadCodec(defaultCodecPath());
  for (const t of rest.values()) t.dispose();
  // the committed tokenizer's vocabulary (the stage configs' default), loudness tokens standing in for it
  const semanticTokenizer = new DebugSemanticTokenizer(committedSemanticTokenizer.vocabularySize);
  const ids = { codecId: codec.id, semanticTokenizerId: semanticTokenizer.id };
  manualSeed(1);
  return V2Meow.fromParts({
    name: 'small-random',
    stage1: new Stage1(stage1Config('small', { ...ids, streams })).eval(),
    stage2: new Stage2(stage2Config('small', ids)).eval(),
    stage3: new Stage3(stage3Config('small', ids)).eval(),
    codec,
    semanticTokenizer,
    textStyle: LexiconTextStyle.load(),
  });
}
