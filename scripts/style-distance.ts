// How far text style vectors sit from the audio style vectors' distribution (docs/style.md):
//   node dist/scripts/style-distance.js [DIR]
// In standardised-logit space (per tag: logit of the probability, minus the train clips' mean, over their
// standard deviation) it compares, for held-out audio clips (validation + test split) and for text vectors
// (the 100 tag names and a list of phrases), (a) the distance to the nearest train clip and (b) the
// Mahalanobis distance under the train clips' covariance (shrunk 10% towards the identity). Two naive text
// vectors are measured beside ours: one-hot (named tags 1, others 0) and corpus mean with the named tags set
// to their largest train value.
import { loadPrototypes, rowsOfSplit } from '../src/encoders/stylePrototypes.js';
import { TextStyleEncoder } from '../src/encoders/textStyle.js';

const dir = process.argv[2];
const table = loadPrototypes(dir);
const encoder = TextStyleEncoder.load(dir ? { dir } : {});
const { dim, vectors } = table;
const train = rowsOfSplit(table, 'train');
const heldOut = rowsOfSplit(table, 'validation', 'test');
const row = (r: number) => vectors.subarray(r * dim, (r + 1) * dim);
const logit = (p: number) => {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
};

const mean = new Float64Array(dim);
const sd = new Float64Array(dim);
for (const r of train)
  row(r).forEach((p, t) => {
    mean[t]! += logit(p) / train.length;
  });
for (const r of train)
  row(r).forEach((p, t) => {
    sd[t]! += (logit(p) - mean[t]!) ** 2 / train.length;
  });
for (let t = 0; t < dim; t++) sd[t] = Math.sqrt(Math.max(sd[t]!, 1e-6));
const standardise = (v: ArrayLike<number>) =>
  Float64Array.from({ length: dim }, (_, t) => (logit(v[t]!) - mean[t]!) / sd[t]!);
const trainZ = train.map((r) => standardise(row(r)));

// Inverse of the shrunk covariance (Gauss-Jordan on [C | I]).
const shrink = 0.1;
const cov = Array.from({ length: dim }, (_, i) =>
  Array.from({ length: 2 * dim }, (_, j) => {
    if (j >= dim) return j - dim === i ? 1 : 0;
    let c = 0;
    for (const z of trainZ) c += (z[i]! * z[j]!) / trainZ.length;
    return (1 - shrink) * c + (i === j ? shrink : 0);
  }),
);
for (let i = 0; i < dim; i++) {
  const pivot = cov[i]![i]!;
  for (let j = 0; j < 2 * dim; j++) cov[i]![j]! /= pivot;
  for (let k = 0; k < dim; k++) {
    if (k === i) continue;
    const f = cov[k]![i]!;
    if (f !== 0) for (let j = 0; j < 2 * dim; j++) cov[k]![j]! -= f * cov[i]![j]!;
  }
}
const inverse = cov.map((line) => line.slice(dim));

function nearest(z: Float64Array, skip = -1): number {
  let best = Number.POSITIVE_INFINITY;
  trainZ.forEach((other, k) => {
    if (k === skip) return;
    let d = 0;
    for (let t = 0; t < dim; t++) d += (z[t]! - other[t]!) ** 2;
    best = Math.min(best, d);
  });
  return Math.sqrt(best);
}
function mahalanobis(z: Float64Array): number {
  let d = 0;
  for (let i = 0; i < dim; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += inverse[i]![j]! * z[j]!;
    d += z[i]! * s;
  }
  return Math.sqrt(d);
}
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

const nameOf = (label: string) => label.slice(label.indexOf(':') + 1);
const phrases = [
  'drum and bass',
  'calm piano',
  'heavy metal guitar',
  'orchestral film score',
  '80s synth pop',
  'calm acoustic guitar',
  'fast techno, no vocals',
  'sad slow strings',
  'happy upbeat pop with female vocals',
  'ambient new age meditation',
  'jazz saxophone',
  'country with banjo and fiddle',
  'indian sitar',
  'punk rock, loud and fast',
  'opera with choir',
  'chillout lounge',
  'hip hop beats',
  'epic orchestral battle music',
  'soft romantic harp',
  'weird experimental noise',
];
const texts = [...new Set(encoder.labels.map(nameOf)), ...phrases];
const maxima = Array.from({ length: dim }, (_, t) => Math.max(...train.map((r) => row(r)[t]!)));

interface Group {
  name: string;
  nn: number[];
  maha: number[];
}
const groups: Group[] = [];
const measure = (name: string, zs: Float64Array[], skipSelf = false) =>
  groups.push({
    name,
    nn: zs.map((z, k) => nearest(z, skipSelf ? k : -1)),
    maha: zs.map(mahalanobis),
  });
measure(`train clips, leave-one-out (${train.length})`, trainZ, true);
measure(
  `held-out audio clips (${heldOut.length})`,
  heldOut.map((r) => standardise(row(r))),
);
const ours = texts.map((text) => encoder.encode(text));
measure(
  `text, this encoder (${texts.length})`,
  ours.map((style) => standardise(style.vector)),
);
const named = ours.map((style) => {
  const tags = new Set<number>();
  // The tags a text names: those shifted or weighted most, i.e. its top-lift tags that lead the ranking.
  for (const tag of style.tags.slice(0, 2)) tags.add(encoder.labels.indexOf(tag.label));
  return tags;
});
measure(
  'text, one-hot of the top-2 tags',
  named.map((tags) => standardise(Array.from({ length: dim }, (_, t) => (tags.has(t) ? 1 : 0)))),
);
measure(
  'text, corpus mean + top-2 tags at their train maximum',
  named.map((tags) =>
    standardise(Array.from({ length: dim }, (_, t) => (tags.has(t) ? maxima[t]! : encoder.corpusMean[t]!))),
  ),
);

const reference = groups[1]!.nn.length ? groups[1]! : groups[0]!;
const nnP90 = quantile(reference.nn, 0.9);
const mahaP90 = quantile(reference.maha, 0.9);
console.log(
  `| vectors | NN distance median | NN p90 | Mahalanobis median | Mahalanobis p90 | within held-out NN p90 | within held-out Mahalanobis p90 |`,
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const g of groups) {
  const within = (values: number[], limit: number) =>
    `${((100 * values.filter((v) => v <= limit).length) / values.length).toFixed(0)}%`;
  console.log(
    `| ${g.name} | ${quantile(g.nn, 0.5).toFixed(2)} | ${quantile(g.nn, 0.9).toFixed(2)} | ${quantile(g.maha, 0.5).toFixed(2)} | ${quantile(g.maha, 0.9).toFixed(2)} | ${within(g.nn, nnP90)} | ${within(g.maha, mahaP90)} |`,
  );
}
