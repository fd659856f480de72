// What the codec's fine levels depend on (issue 13, stage 3): conditional cross-entropies of each fine level's
// code, counted on the training split and scored on the validation split (add-alpha smoothing, alpha chosen
// on the training split's own held-out tenth), given: nothing (unigram); the same level's previous frame;
// the level just above at the same frame; the first level at the same frame; and the first level plus the
// level above. ln 1024 = 6.931 nats is uniform. A context that lowers it says what a stage 3 could learn
// cheaply; none that does says its information lies only in long contexts, or nowhere in the coarse codes.
// Usage: node dist/scripts/probe-fine-entropy.js [--data data/pairs] [--levels "2;5;8;12"] [--max-frames 400000]
import { parseArgs } from 'node:util';
import { PairDataset } from '../src/dataset/reader.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'data/pairs' },
    levels: { type: 'string', default: '2;5;8;12' },
    'max-frames': { type: 'string', default: '400000' },
    seconds: { type: 'string', default: '10' },
  },
});
const dataset = PairDataset.open(values.data);
const maxFrames = Number(values['max-frames']);
const size = 1024;

/** Frames [T, L] of codes per split, from consecutive windows (music rows). */
function framesOf(split: 'train' | 'validation'): {
  codes: Int32Array;
  levels: number;
  count: number;
  starts: Uint8Array;
} {
  const parts: Int32Array[] = [];
  const startsParts: Uint8Array[] = [];
  let levels = 0;
  let count = 0;
  for (const batch of dataset.evaluationWindows(split, {
    seconds: Number(values.seconds),
    batchSize: 8,
    kinds: ['music', 'paired'],
  })) {
    const l = batch.acousticLevels;
    const t = 2 * batch.numSemanticFrames;
    levels = l;
    for (let r = 0; r < batch.rows.length && count < maxFrames; r++) {
      const frames = new Int32Array(t * l);
      const starts = new Uint8Array(t);
      starts[0] = 1;
      for (let k = 0; k < l; k++)
        for (let f = 0; f < t; f++) frames[f * l + k] = batch.acoustic[r * l * t + k * t + f]!;
      parts.push(frames);
      startsParts.push(starts);
      count += t;
    }
    if (count >= maxFrames) break;
  }
  const codes = new Int32Array(count * levels);
  const starts = new Uint8Array(count);
  let o = 0;
  parts.forEach((p, i) => {
    codes.set(p, o * levels);
    starts.set(startsParts[i]!, o);
    o += p.length / levels;
  });
  return { codes, levels, count, starts };
}

const train = framesOf('train');
const validation = framesOf('validation');
const L = train.levels;
console.error(`train ${train.count} frames, validation ${validation.count} frames, ${L} levels`);

type Context = (d: typeof train, f: number, level: number) => number | null;
const contexts: Record<string, Context> = {
  'nothing (unigram)': () => 0,
  'same level, previous frame': (d, f, k) => (d.starts[f] ? null : d.codes[(f - 1) * L + k]!),
  'level above, same frame': (d, f, k) => d.codes[f * L + k - 1]!,
  'level 1, same frame': (d, f) => d.codes[f * L]!,
  'level 1 + level above, same frame': (d, f, k) => d.codes[f * L]! * size + d.codes[f * L + k - 1]!,
};

function crossEntropy(
  level: number,
  context: Context,
  alpha: number,
  fit: typeof train,
  score: typeof train,
): number {
  const counts = new Map<number, Map<number, number>>();
  const totals = new Map<number, number>();
  for (let f = 0; f < fit.count; f++) {
    const c = context(fit, f, level);
    if (c === null) continue;
    const code = fit.codes[f * L + level]!;
    const m = counts.get(c) ?? new Map<number, number>();
    counts.set(c, m);
    m.set(code, (m.get(code) ?? 0) + 1);
    totals.set(c, (totals.get(c) ?? 0) + 1);
  }
  let sum = 0;
  let n = 0;
  for (let f = 0; f < score.count; f++) {
    const c = context(score, f, level);
    if (c === null) continue;
    const code = score.codes[f * L + level]!;
    const k = counts.get(c)?.get(code) ?? 0;
    const t = totals.get(c) ?? 0;
    sum -= Math.log((k + alpha) / (t + alpha * size));
    n++;
  }
  return sum / Math.max(1, n);
}

/** The training split cut in two: the first nine tenths to count, the last tenth to choose alpha. */
function cut(d: typeof train): [typeof train, typeof train] {
  const at = Math.floor(d.count * 0.9);
  const part = (from: number, to: number) => ({
    codes: d.codes.subarray(from * L, to * L),
    levels: L,
    count: to - from,
    starts: Uint8Array.from(d.starts.subarray(from, to), (s, i) => (i === 0 ? 1 : s)),
  });
  return [part(0, at), part(at, d.count)];
}
const [fit, held] = cut(train);
const alphas = [0.01, 0.1, 0.5, 2];
const levels = values.levels.split(';').map((x) => Number(x) - 1);
console.log(`| context (nats; uniform 6.931) | ${levels.map((k) => `level ${k + 1}`).join(' | ')} |`);
console.log(`|---|${levels.map(() => '---|').join('')}`);
for (const [name, context] of Object.entries(contexts)) {
  const cells = levels.map((k) => {
    if (k === 0 && (name.includes('above') || name.includes('level 1'))) return '-';
    const alpha = alphas
      .map((a) => ({ a, ce: crossEntropy(k, context, a, fit, held) }))
      .sort((x, y) => x.ce - y.ce)[0]!.a;
    return crossEntropy(k, context, alpha, train, validation).toFixed(3);
  });
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
