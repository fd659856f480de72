// Stages 1-3 on the VALIDATION split of the training set: the pipeline measured where choosing settings is
// allowed (issue 13: never on the evaluation clips). For N music windows spread over the split (skipping quiet
// ones) it decodes with the codec:
//   truth        the true codec tokens (the ceiling of the sound), and the true coarse levels alone (4 levels);
//   stage 3      (with --stage3) true coarse levels + stage-3 fine levels (at --stage3-temperature, default the
//                model's), and + uniformly random fine levels;
//   stage 2      stage-2 coarse from the true semantic tokens, its 4 levels decoded, once per sampling setting;
//   stage 1      (with --stage1) stage 1 from the window's own rhythm curves (music curves: what a video's
//                curves stand in for at generation) and style -> stage 2 -> 4 levels: the default model's path
//                (docs/default-model.md), once per setting and --stage1-guidance scale (stage 1 at
//                --stage1-temperature), and once unconditioned (no curves, no style) with the first setting;
// and prints the mean YAMNet clip-level Music score, the share of windows whose top class is Music, the
// share of seconds quieter than -45 dBFS, the beat F1 of the output's beats against the truth's (+-70 ms: how
// well it follows the rhythm its conditions came from), the mel-L1 distance to the truth's decode, and the
// cosine of the output's MusiCNN style to the truth's (does the sound keep the piece's style?). A stage 2 that
// reads the style (config.styleInput) gets the window's style wherever stage 1 gets it (--style-scope: the
// file's or the window's own segments; default the stage 2 recipe's). WAVs go to --out.
// Usage: node dist/scripts/probe-acoustic.js --data data/pairs --stage2 FILE [--stage1 FILE] [--stage3 FILE]
//        [--clips 8] [--seconds 6] [--settings "0.95:0;0.7:50:q"] (temperature:topK[:q] entries; 0 = no top-k;
//        q = never sample the codec's near-silent first-level codes, those below --quiet-below dBFS, -45)
//        [--stage1-temperature 1] [--stage3-temperature T] [--stage1-guidance "none;2"]
//        [--stage1-guidance-drop all|video|style] [--style-scope clip|window] [--out DIR] [--seed 0]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { melL1Distance } from '../src/codec/metrics.js';
import { quietCodes } from '../src/codec/quietCodes.js';
import { loadCodec } from '../src/codec/soundstream.js';
import { rmsDb } from '../src/data/pcm16.js';
import { type PairBatch, PairDataset, type StyleScope, styleScopes } from '../src/dataset/reader.js';
import { clipStyleVector } from '../src/encoders/clipStyle.js';
import { MusicnnStyleEncoder } from '../src/encoders/musicnn.js';
import { Yamnet } from '../src/encoders/yamnet.js';
import { cosineSimilarity } from '../src/eval/style.js';
import { encodeWav } from '../src/media/index.js';
import { loadStage } from '../src/models/modelFile.js';
import type { GuidanceDrop, Stage1 } from '../src/models/stage1.js';
import type { Stage3 } from '../src/models/stage3.js';
import { beatAlignmentScores } from '../src/rhythm/beatMetrics.js';
import { analyzeMusicRhythm } from '../src/rhythm/musicRhythm.js';
import { cat, manualSeed, noGrad, randint, readModelInfo, type Tensor, tidy } from '../src/torch/index.js';
import { acousticOf, semanticOf, streamInputsOf, styleOf } from '../src/train/stageTask.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'data/pairs' },
    stage2: { type: 'string' },
    stage3: { type: 'string' },
    stage1: { type: 'string' },
    'stage1-temperature': { type: 'string', default: '1' },
    'stage3-temperature': { type: 'string' },
    'stage1-guidance': { type: 'string', default: 'none' },
    'stage1-guidance-drop': { type: 'string', default: 'all' },
    'quiet-below': { type: 'string', default: '-45' },
    codec: { type: 'string', default: 'weights/codec/codec.safetensors' },
    clips: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '6' },
    settings: { type: 'string', default: '0.95:0' },
    out: { type: 'string' },
    seed: { type: 'string', default: '0' },
    'style-scope': { type: 'string' },
  },
});
if (!values.stage2) {
  console.log(
    'usage: probe-acoustic --data DIR --stage2 FILE [--stage1 FILE] [--stage3 FILE] [--clips 8] [--settings T:K[:q];...]',
  );
  process.exit(0);
}
const numClips = Number(values.clips);
const seconds = Number(values.seconds);
const seed = Number(values.seed);
const settings = values.settings
  .split(';')
  .filter((s) => s.trim())
  .map((s) => {
    const [t, k, q] = s.split(':');
    const topK = Number(k) || undefined;
    const quiet = q === 'q';
    return {
      temperature: Number(t),
      topK,
      quiet,
      name: `T ${t}${topK ? ` top-k ${topK}` : ''}${quiet ? ', no quiet codes' : ''}`,
    };
  });

const dataset = PairDataset.open(values.data);
const stage2 = loadStage(values.stage2, 'stage2');
const stage3 = values.stage3 ? loadStage(values.stage3, 'stage3') : null;
const stage1 = values.stage1 ? loadStage(values.stage1, 'stage1') : null;
const stage1Temperature = Number(values['stage1-temperature']);
const stage3Temperature =
  values['stage3-temperature'] === undefined ? undefined : Number(values['stage3-temperature']);
const guidanceScales = values['stage1-guidance']
  .split(';')
  .map((g) => (g.trim() === 'none' ? null : Number(g)));
const { codec } = loadCodec(values.codec);
const quietBelow = Number(values['quiet-below']);
const quiet = quietCodes(codec, quietBelow);
console.error(`first-level codes below ${quietBelow} dBFS: ${quiet.join(', ')}`);
const yamnet = await Yamnet.fromPretrained();
const musicnn = await MusicnnStyleEncoder.fromPretrained();
const recipe = (readModelInfo(values.stage2, 'stage2').extra as { recipe?: { styleScope?: StyleScope } })
  .recipe;
const styleScope = (values['style-scope'] ?? recipe?.styleScope ?? 'clip') as StyleScope;
if (!styleScopes.includes(styleScope)) throw new Error(`--style-scope: one of ${styleScopes.join(', ')}`);
const stage2Style = !!stage2.config.styleInput;
console.error(`style scope ${styleScope}; stage 2 ${stage2Style ? 'reads' : 'does not read'} the style`);
manualSeed(seed);
const musicIndex = yamnet.labels.indexOf('Music');
if (values.out) mkdirSync(values.out, { recursive: true });

/** Fine levels [1, 8, T] by stage 3 over its windows. */
function fineOf(model: Stage3, coarse: Tensor, s: number): Tensor {
  const w = model.config.windowFrames;
  const parts: Tensor[] = [];
  for (let start = 0; start < coarse.size(2); start += w) {
    const n = Math.min(w, coarse.size(2) - start);
    parts.push(
      model.generate(
        { coarse: coarse.narrow(2, start, n) },
        { seed: s + start, temperature: stage3Temperature },
      ),
    );
  }
  return cat(parts, 2);
}

const decode = (codes: Tensor) =>
  noGrad(() => tidy(() => codec.decode(codes.long()).squeeze(0).toFloat32Array()));

// windows spread over the split: every k-th of its consecutive windows
const all = [
  ...dataset.evaluationWindows('validation', { seconds, batchSize: 1, kinds: ['music'], styleScope }),
];
const stride = Math.max(1, Math.floor(all.length / (numClips * 2)));
const rows: Record<
  string,
  { music: number[]; top: number[]; mel: number[]; quiet: number[]; beatF1: number[]; style: number[] }
> = {};
const tops: Record<string, Map<string, number>> = {};
/** Share of whole seconds of a 16 kHz wave quieter than -45 dBFS. */
const quietShare = (wave: Float32Array) => {
  let quietSeconds = 0;
  let total = 0;
  for (let start = 0; start + 16000 <= wave.length; start += 16000, total++)
    if (rmsDb(wave, start, 16000) < -45) quietSeconds++;
  return quietSeconds / Math.max(1, total);
};
let truthBeats: readonly number[] = [];
let truthStyle: Float32Array = new Float32Array(0);
const add = (name: string, wave: Float32Array, truth: Float32Array, clip: number) => {
  // clip-level scores: the mean over YAMNet's windows
  const result = yamnet.run(wave);
  const classes = yamnet.labels.length;
  const scores = new Float32Array(classes);
  for (let w = 0; w < result.numWindows; w++)
    for (let c = 0; c < classes; c++) scores[c]! += result.scores[w * classes + c]! / result.numWindows;
  let top = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c]! > scores[top]!) top = c;
  rows[name] ??= { music: [], top: [], mel: [], quiet: [], beatF1: [], style: [] };
  rows[name]!.style.push(cosineSimilarity(clipStyleVector(musicnn, wave), truthStyle));
  rows[name]!.beatF1.push(beatAlignmentScores(analyzeMusicRhythm(wave, 16000).beatsSec, truthBeats).f1);
  rows[name]!.music.push(scores[musicIndex]!);
  rows[name]!.top.push(top === musicIndex ? 1 : 0);
  rows[name]!.mel.push(melL1Distance(truth, wave));
  rows[name]!.quiet.push(quietShare(wave));
  tops[name] ??= new Map();
  tops[name]!.set(yamnet.labels[top]!, (tops[name]!.get(yamnet.labels[top]!) ?? 0) + 1);
  if (values.out)
    writeFileSync(
      join(values.out, `${clip}-${name.replace(/[^a-z0-9.]+/gi, '_')}.wav`),
      encodeWav(wave, 16000),
    );
};
/** Stage 1's semantic tokens [1, S] from the window's rhythm curves and style (or from nothing). */
const semanticFromCurves = (
  model: Stage1,
  batch: PairBatch,
  s: number,
  guidanceScale: number | null,
  conditioned = true,
): Tensor =>
  model.generate(
    conditioned
      ? { ...streamInputsOf(batch, model.config.streams, 0, 1), style: styleOf(batch, 0, 1) }
      : { streams: {}, style: null, videoPresent: [false] },
    {
      temperature: stage1Temperature,
      seed: s,
      numTokens: batch.numSemanticFrames,
      guidanceScale,
      guidanceDrop: values['stage1-guidance-drop'] as GuidanceDrop,
    },
  );
const coarseOf = (
  semantic: Tensor,
  setting: (typeof settings)[number],
  numFrames: number,
  s: number,
  style: Tensor | null,
) =>
  stage2.generate(
    { semantic, style: stage2Style ? style : null },
    {
      temperature: setting.temperature,
      topK: setting.topK,
      suppressPerLevel: setting.quiet ? [quiet] : undefined,
      seed: s,
      numFrames,
    },
  );
let clip = 0;
for (let i = 0; i < all.length && clip < numClips; i += stride) {
  const batch = all[i]!;
  const semantic = semanticOf(batch, 0, 1);
  const acoustic = acousticOf(batch, 0, 1);
  const truth = decode(acoustic);
  const rms = Math.sqrt(truth.reduce((s, x) => s + x * x, 0) / truth.length);
  if (20 * Math.log10(rms + 1e-9) < -40) continue;
  truthBeats = analyzeMusicRhythm(truth, 16000).beatsSec;
  truthStyle = clipStyleVector(musicnn, truth);
  const style = styleOf(batch, 0, 1);
  add('truth (codec, 12 levels)', truth, truth, clip);
  const coarseTrue = acoustic.narrow(1, 0, 4);
  add('true coarse alone (4 levels)', decode(coarseTrue), truth, clip);
  if (stage3) {
    add(
      'stage 3 on true coarse',
      decode(cat([coarseTrue, fineOf(stage3, coarseTrue, seed)], 1)),
      truth,
      clip,
    );
    const randomFine = randint(0, 1024, [1, 8, acoustic.size(2)], { dtype: 'int64' });
    add('true coarse + uniform random fine', decode(cat([coarseTrue.long(), randomFine], 1)), truth, clip);
  }
  const frames = acoustic.size(2);
  for (const setting of settings)
    add(
      `stage 2 from true semantic, ${setting.name}`,
      decode(coarseOf(semantic, setting, frames, seed + clip, style)),
      truth,
      clip,
    );
  if (stage1) {
    for (const g of guidanceScales) {
      const generated = semanticFromCurves(stage1, batch, seed + clip, g);
      for (const setting of settings)
        add(
          `stage 1${g === null ? '' : ` (guidance ${g})`} -> stage 2, ${setting.name}`,
          decode(coarseOf(generated, setting, frames, seed + clip, style)),
          truth,
          clip,
        );
    }
    const unconditioned = semanticFromCurves(stage1, batch, seed + clip, null, false);
    add(
      `stage 1 unconditioned -> stage 2, ${settings[0]!.name}`,
      decode(coarseOf(unconditioned, settings[0]!, frames, seed + clip, null)),
      truth,
      clip,
    );
  }
  console.error(`clip ${clip + 1}/${numClips}: window ${i} of ${all.length}`);
  clip++;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
console.log(
  `| row (${clip} validation windows of ${seconds} s) | YAMNet Music | top class Music | seconds below -45 dBFS | beat F1 vs truth | mel-L1 to truth | style cos to truth | top classes |`,
);
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, r] of Object.entries(rows)) {
  const classes = [...tops[name]!.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${label} ${n}`)
    .join(', ');
  console.log(
    `| ${name} | ${mean(r.music).toFixed(3)} | ${mean(r.top).toFixed(2)} | ${mean(r.quiet).toFixed(2)} | ${mean(r.beatF1).toFixed(3)} | ${mean(r.mel).toFixed(3)} | ${mean(r.style).toFixed(3)} | ${classes} |`,
  );
}
