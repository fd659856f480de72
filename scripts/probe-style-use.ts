// How much stage 1 uses each condition (issue 13, text control): validation cross-entropy of a stage 1 file on
// the fixed validation windows with its conditions as trained, with each row's style swapped for another
// row's (a piece of other music), with the style dropped, and with the streams (rhythm curves) dropped. A
// model that ignores its style token scores the same with a wrong style; one that reads it loses nats. Also
// over the first second of each window alone (25 tokens, where no history has been made yet).
// The style of each window is the one the model was trained with (its recipe's styleScope: the file's, or
// the window's own 10 s segments) unless --style-scope says otherwise.
// With --stage2 FILE instead (a stage 2 that reads the style, config.styleInput): its validation cross-entropy
// of the coarse levels given the true semantic tokens, as trained / another row's style / style dropped, with
// the first level's accuracy (there are no streams to drop, and 'first second' is over the first 50 frames).
// Usage: node dist/scripts/probe-style-use.js --stage1 FILE | --stage2 FILE [--data data/pairs] [--seconds 10]
//        [--batch 8] [--style-scope clip|window]
import { parseArgs } from 'node:util';
import { PairDataset, type StyleScope, styleScopes } from '../src/dataset/reader.js';
import { styleDim } from '../src/encoders/clipStyle.js';
import { loadStage } from '../src/models/modelFile.js';
import type { Stage1 } from '../src/models/stage1.js';
import type { Stage2 } from '../src/models/stage2.js';
import { F, noGrad, readModelInfo, tensor, tidy } from '../src/torch/index.js';
import { validationWindows } from '../src/train/stageData.js';
import { acousticOf, semanticOf, streamInputsOf } from '../src/train/stageTask.js';

const { values } = parseArgs({
  options: {
    stage1: { type: 'string' },
    stage2: { type: 'string' },
    data: { type: 'string', default: 'data/pairs' },
    seconds: { type: 'string', default: '10' },
    batch: { type: 'string', default: '8' },
    'style-scope': { type: 'string' },
  },
});
if (!values.stage1 === !values.stage2) throw new Error('--stage1 FILE or --stage2 FILE');
const kind = values.stage1 ? 'stage1' : 'stage2';
const path = (values.stage1 ?? values.stage2)!;
const model = loadStage(path, kind) as Stage1 | Stage2;
const recipe = (readModelInfo(path, kind).extra as { recipe?: { styleScope?: StyleScope } }).recipe;
const styleScope = (values['style-scope'] ?? recipe?.styleScope ?? 'clip') as StyleScope;
if (!styleScopes.includes(styleScope)) throw new Error(`--style-scope: one of ${styleScopes.join(', ')}`);
console.log(`style scope: ${styleScope}`);
model.eval();
const dataset = PairDataset.open(values.data);
const allVariants = ['as trained', 'style of another row', 'style dropped', 'streams dropped'] as const;
type Variant = (typeof allVariants)[number];
const variants: readonly Variant[] = kind === 'stage1' ? allVariants : allVariants.slice(0, 3);
const sums = new Map<string, { loss: number; first: number; level1: number; n: number }>(
  variants.map((v) => [v, { loss: 0, first: 0, level1: 0, n: 0 }]),
);
const firstTokens = 25;
const stage1Streams = kind === 'stage1' ? (model as Stage1).config.streams : [];
let windows = 0;
for (const batch of validationWindows(dataset, {
  seconds: Number(values.seconds),
  batchSize: Number(values.batch),
  kinds: ['paired', 'music'],
  styleScope,
})) {
  const rows = batch.rows.length;
  windows += rows;
  noGrad(() =>
    tidy(() => {
      const streams = streamInputsOf(batch, stage1Streams, 0, rows);
      const semantic = semanticOf(batch, 0, rows);
      const own = batch.style.subarray(0, rows * styleDim);
      // row r gets row (r + 1)'s style (rows come from windows spread over the split: other pieces)
      const rolled = new Float32Array(own.length);
      for (let r = 0; r < rows; r++)
        rolled.set(
          own.subarray(((r + 1) % rows) * styleDim, (((r + 1) % rows) + 1) * styleDim),
          r * styleDim,
        );
      const cases: Record<Variant, Parameters<Stage1['forward']>[0]> = {
        'as trained': { ...streams, semantic, style: tensor(own, [rows, styleDim]) },
        'style of another row': { ...streams, semantic, style: tensor(rolled, [rows, styleDim]) },
        'style dropped': { ...streams, semantic, style: null },
        'streams dropped': {
          ...streamInputsOf(batch, stage1Streams, 0, rows),
          videoPresent: Array<boolean>(rows).fill(false),
          semantic,
          style: tensor(own, [rows, styleDim]),
        },
      };
      for (const v of variants) {
        const s = sums.get(v)!;
        if (kind === 'stage1') {
          const out = (model as Stage1).forward(cases[v]);
          const head = out.logits.narrow(1, 0, firstTokens).transpose(1, 2);
          const first = F.crossEntropy(head, semantic.narrow(1, 0, firstTokens).long());
          s.loss += Number(out.loss.item()) * rows;
          s.first += Number(first.item()) * rows;
        } else {
          const stage2 = model as Stage2;
          const acoustic = acousticOf(batch, 0, rows).narrow(1, 0, stage2.config.numLevels);
          const out = stage2.forward({ semantic, style: cases[v].style ?? null, acoustic });
          const head = stage2.forward({
            semantic,
            style: cases[v].style ?? null,
            acoustic: acoustic.narrow(2, 0, 2 * firstTokens),
          });
          s.loss += Number(out.loss.item()) * rows;
          s.first += Number(head.loss.item()) * rows;
          s.level1 += (out.levelAccuracy?.[0] ?? 0) * rows;
        }
        s.n += rows;
      }
    }),
  );
}
const level1 = kind === 'stage2' ? ' level-1 accuracy |' : '';
console.log(
  `| ${path} (${windows} validation windows) | validation CE (nats) | first second only |${level1}`,
);
console.log(`|---|---|---|${kind === 'stage2' ? '---|' : ''}`);
for (const v of variants) {
  const s = sums.get(v)!;
  const extra = kind === 'stage2' ? ` ${(s.level1 / s.n).toFixed(4)} |` : '';
  console.log(`| ${v} | ${(s.loss / s.n).toFixed(4)} | ${(s.first / s.n).toFixed(4)} |${extra}`);
}
model.dispose();
