// How much stage 1 uses each condition (issue 13, text control): validation cross-entropy of a stage 1 file on
// the fixed validation windows with its conditions as trained, with each row's style swapped for another
// row's (a piece of other music), with the style dropped, and with the streams (rhythm curves) dropped. A
// model that ignores its style token scores the same with a wrong style; one that reads it loses nats. Also
// over the first second of each window alone (25 tokens, where no history has been made yet).
// The style of each window is the one the model was trained with (its recipe's styleScope: the file's, or
// the window's own 10 s segments) unless --style-scope says otherwise.
// Usage: node dist/scripts/probe-style-use.js --stage1 FILE [--data data/pairs] [--seconds 10] [--batch 8]
//        [--style-scope clip|window]
import { parseArgs } from 'node:util';
import { PairDataset, type StyleScope, styleScopes } from '../src/dataset/reader.js';
import { styleDim } from '../src/encoders/clipStyle.js';
import { loadStage } from '../src/models/modelFile.js';
import { F, noGrad, readModelInfo, tensor, tidy } from '../src/torch/index.js';
import { validationWindows } from '../src/train/stageData.js';
import { semanticOf, streamInputsOf } from '../src/train/stageTask.js';

const { values } = parseArgs({
  options: {
    stage1: { type: 'string' },
    data: { type: 'string', default: 'data/pairs' },
    seconds: { type: 'string', default: '10' },
    batch: { type: 'string', default: '8' },
    'style-scope': { type: 'string' },
  },
});
if (!values.stage1) throw new Error('--stage1 FILE');
const model = loadStage(values.stage1, 'stage1');
const recipe = (readModelInfo(values.stage1, 'stage1').extra as { recipe?: { styleScope?: StyleScope } })
  .recipe;
const styleScope = (values['style-scope'] ?? recipe?.styleScope ?? 'clip') as StyleScope;
if (!styleScopes.includes(styleScope)) throw new Error(`--style-scope: one of ${styleScopes.join(', ')}`);
console.log(`style scope: ${styleScope}`);
model.eval();
const dataset = PairDataset.open(values.data);
const variants = ['as trained', 'style of another row', 'style dropped', 'streams dropped'] as const;
const sums = new Map<string, { loss: number; first: number; n: number }>(
  variants.map((v) => [v, { loss: 0, first: 0, n: 0 }]),
);
const firstTokens = 25;
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
      const streams = streamInputsOf(batch, model.config.streams, 0, rows);
      const semantic = semanticOf(batch, 0, rows);
      const own = batch.style.subarray(0, rows * styleDim);
      // row r gets row (r + 1)'s style (rows come from windows spread over the split: other pieces)
      const rolled = new Float32Array(own.length);
      for (let r = 0; r < rows; r++)
        rolled.set(
          own.subarray(((r + 1) % rows) * styleDim, (((r + 1) % rows) + 1) * styleDim),
          r * styleDim,
        );
      const cases: Record<(typeof variants)[number], Parameters<typeof model.forward>[0]> = {
        'as trained': { ...streams, semantic, style: tensor(own, [rows, styleDim]) },
        'style of another row': { ...streams, semantic, style: tensor(rolled, [rows, styleDim]) },
        'style dropped': { ...streams, semantic, style: null },
        'streams dropped': {
          ...streamInputsOf(batch, model.config.streams, 0, rows),
          videoPresent: Array<boolean>(rows).fill(false),
          semantic,
          style: tensor(own, [rows, styleDim]),
        },
      };
      for (const v of variants) {
        const out = model.forward(cases[v]);
        const head = out.logits.narrow(1, 0, firstTokens).transpose(1, 2);
        const first = F.crossEntropy(head, semantic.narrow(1, 0, firstTokens).long());
        const s = sums.get(v)!;
        s.loss += Number(out.loss.item()) * rows;
        s.first += Number(first.item()) * rows;
        s.n += rows;
      }
    }),
  );
}
console.log(
  `| ${values.stage1} (${windows} validation windows) | validation CE (nats) | first second only |`,
);
console.log('|---|---|---|');
for (const v of variants) {
  const s = sums.get(v)!;
  console.log(`| ${v} | ${(s.loss / s.n).toFixed(4)} | ${(s.first / s.n).toFixed(4)} |`);
}
model.dispose();
