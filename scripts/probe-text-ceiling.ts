// The ceiling of text control through the codec (issue 13): how many prompts would pass `eval text`'s check
// if the stages retrieved, for each prompt, real music that matches it. For each prompt, the windows of the
// training set's validation split whose stored MusiCNN style (the window's own segments, computed on the
// original audio) passes the check by the widest margin (own-prompt cosine minus the mean cosine to the other
// prompts) are decoded by the codec from their true tokens, once with all 12 levels (the codec's ceiling)
// and once with the first N levels (the levels the default model decodes), and scored as `eval text` scores
// outputs (the MusiCNN style of the decode against every prompt's text vector). A prompt that fails here
// fails whatever the stages do, unless more levels are decoded.
// Usage: node dist/scripts/probe-text-ceiling.js [--data data/pairs] [--per-prompt 3] [--seconds 10]
//        [--levels "12;4"] [--prompts "a;b;..."] [--split validation]
import { parseArgs } from 'node:util';
import { loadCodec } from '../src/codec/soundstream.js';
import { PairDataset } from '../src/dataset/reader.js';
import { clipStyleVector, styleDim } from '../src/encoders/clipStyle.js';
import { MusicnnStyleEncoder } from '../src/encoders/musicnn.js';
import { TextStyleEncoder } from '../src/encoders/textStyle.js';
import { cosineSimilarity } from '../src/eval/style.js';
import { validationTextPrompts } from '../src/eval/textControl.js';
import { noGrad, tensor, tidy } from '../src/torch/index.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'data/pairs' },
    codec: { type: 'string', default: 'weights/codec/codec.safetensors' },
    'per-prompt': { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    levels: { type: 'string', default: '12;4' },
    prompts: { type: 'string' },
    split: { type: 'string', default: 'validation' },
  },
});
const prompts = values.prompts ? values.prompts.split(';').map((p) => p.trim()) : [...validationTextPrompts];
const perPrompt = Number(values['per-prompt']);
const levelsList = values.levels.split(';').map(Number);
const text = TextStyleEncoder.load();
const texts = prompts.map((p) => text.encode(p).vector);
const margin = (style: Float32Array, p: number) => {
  const cos = texts.map((t) => cosineSimilarity(style, t));
  return cos[p]! - cos.reduce((s, c, q) => (q === p ? s : s + c), 0) / (prompts.length - 1);
};

// every window of the split: its stored style and its codec tokens
const dataset = PairDataset.open(values.data);
const windows: { style: Float32Array; codes: Int32Array; levels: number; frames: number; name: string }[] =
  [];
for (const batch of dataset.evaluationWindows(values.split as 'validation', {
  seconds: Number(values.seconds),
  batchSize: 8,
  kinds: ['music', 'paired'],
  styleScope: 'window',
})) {
  const l = batch.acousticLevels;
  const t = 2 * batch.numSemanticFrames;
  batch.rows.forEach((row, r) => {
    windows.push({
      style: batch.style.slice(r * styleDim, (r + 1) * styleDim),
      codes: Int32Array.from(batch.acoustic.subarray(r * l * t, (r + 1) * l * t)),
      levels: l,
      frames: t,
      name: `${row.key}@${(row.startFrame / 25).toFixed(0)}s`,
    });
  });
}
console.error(`${windows.length} windows of ${values.seconds} s in the ${values.split} split`);

const { codec } = loadCodec(values.codec);
const musicnn = await MusicnnStyleEncoder.fromPretrained();
const chosen = prompts.map((_, p) =>
  windows
    .map((w, i) => ({ i, m: margin(w.style, p) }))
    .sort((a, b) => b.m - a.m)
    .slice(0, perPrompt),
);
const rows: string[] = [];
for (const levels of ['source', ...levelsList] as const) {
  let passed = 0;
  const details: string[] = [];
  for (const [p, prompt] of prompts.entries()) {
    const margins = chosen[p]!.map(({ i }) => {
      const w = windows[i]!;
      if (levels === 'source') return margin(w.style, p);
      const wave = noGrad(() =>
        tidy(() =>
          codec
            .decode(tensor(w.codes, [1, w.levels, w.frames], { dtype: 'int64' }).narrow(1, 0, levels))
            .squeeze(0)
            .toFloat32Array(),
        ),
      );
      return margin(clipStyleVector(musicnn, wave), p);
    });
    const mean = margins.reduce((a, b) => a + b, 0) / margins.length;
    if (mean > 1e-6) passed++;
    details.push(`${prompt} ${mean.toFixed(3)}`);
    console.error(`${levels}: "${prompt}" margins ${margins.map((m) => m.toFixed(3)).join(' ')}`);
  }
  rows.push(
    `| ${levels === 'source' ? 'stored style of the original audio' : `codec decode, ${levels} levels`} | ${passed}/${prompts.length} | ${details.join('; ')} |`,
  );
}
console.log(
  `| real music retrieved per prompt (${perPrompt} windows each) | passed | mean margin per prompt |`,
);
console.log('|---|---|---|');
for (const r of rows) console.log(r);
for (const [p, prompt] of prompts.entries())
  console.error(`"${prompt}": ${chosen[p]!.map(({ i }) => windows[i]!.name).join(', ')}`);
musicnn.dispose();
