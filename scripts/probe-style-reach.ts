// How far the training music reaches towards each text prompt, in the style space text control is scored in
// (issue 13): for every example of a dataset, its stored MusiCNN style vector is scored as if it were an output
// for each prompt (cosine to the prompt's text vector minus the mean cosine to the other prompts' vectors, the
// measure of `eval text`). A prompt no training music passes is out of the data's reach: stage 1 cannot learn
// to make it, whatever the guidance. Prints per prompt and source: examples passing, hours passing, best margin;
// then the style prior's answer to each prompt (src/generate/stylePrior.ts, the mean of the k nearest train
// examples) scored the same way, for k = 1, 3, 5, 8: what an output would score if it had exactly that style.
// Usage: node dist/scripts/probe-style-reach.js [--data data/pairs] [--bundle weights/v2meow]
//        [--prompts "a;b;..."] [--split train|validation|all]

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PairDataset } from '../src/dataset/reader.js';
import { styleLabels } from '../src/encoders/styleLabels.js';
import { cosineSimilarity } from '../src/eval/style.js';
import { defaultTextPrompts } from '../src/eval/textControl.js';
import { LexiconTextStyle } from '../src/generate/debugParts.js';
import { StylePrior, stylePriorTable } from '../src/generate/stylePrior.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'data/pairs' },
    bundle: { type: 'string', default: 'weights/v2meow' },
    prompts: { type: 'string' },
    split: { type: 'string', default: 'train' },
  },
});
const prompts = values.prompts ? values.prompts.split(';').map((p) => p.trim()) : [...defaultTextPrompts];
const encoder = LexiconTextStyle.load(join(values.bundle, 'textStyle'));
const texts = prompts.map((p) => encoder.encode(p).vector);
const dataset = PairDataset.open(values.data);
const records = dataset.index.examples.filter((e) => values.split === 'all' || e.split === values.split);

interface Tally {
  examples: number;
  passing: number;
  hours: number;
  passingHours: number;
  best: number;
}
// prompt -> source -> tally
const tallies = prompts.map(() => new Map<string, Tally>());
for (const record of records) {
  const style = dataset.file(record).read('style') as Float32Array;
  const cosines = texts.map((t) => cosineSimilarity(style, t));
  prompts.forEach((_, p) => {
    const others = cosines.reduce((s, c, q) => (q === p ? s : s + c), 0) / (prompts.length - 1);
    const margin = cosines[p]! - others;
    const tally = tallies[p]!.get(record.source) ?? {
      examples: 0,
      passing: 0,
      hours: 0,
      passingHours: 0,
      best: -1,
    };
    tally.examples += 1;
    tally.hours += record.durationSec / 3600;
    if (margin > 0) {
      tally.passing += 1;
      tally.passingHours += record.durationSec / 3600;
    }
    tally.best = Math.max(tally.best, margin);
    tallies[p]!.set(record.source, tally);
  });
}
console.log(`| prompt | source | examples passing | hours passing | best margin |`);
console.log(`| --- | --- | --- | --- | --- |`);
prompts.forEach((prompt, p) => {
  for (const [source, t] of [...tallies[p]!.entries()].sort()) {
    console.log(
      `| ${prompt} | ${source} | ${t.passing}/${t.examples} | ${t.passingHours.toFixed(2)}/${t.hours.toFixed(2)} | ${t.best.toFixed(3)} |`,
    );
  }
});

const prior = new StylePrior(stylePriorTable(dataset, styleLabels()));
console.log(`\n| style prior k (${prior.size} train examples) | prompts passed | mean margin |`);
console.log('| --- | --- | --- |');
for (const k of [1, 3, 5, 8]) {
  let passed = 0;
  let margin = 0;
  texts.forEach((text, p) => {
    const out = prior.nearest(text, k).vector;
    const cosines = texts.map((t) => cosineSimilarity(out, t));
    const others = cosines.reduce((s, c, q) => (q === p ? s : s + c), 0) / (texts.length - 1);
    if (cosines[p]! > others) passed += 1;
    margin += (cosines[p]! - others) / texts.length;
  });
  console.log(`| ${k} | ${passed}/${texts.length} | ${margin.toFixed(3)} |`);
}
