// Text control on VALIDATION material, to choose a bundle's guidance scale (issue 13: settings are chosen away
// from the evaluation): `eval text`'s measure (each output's MusiCNN style closer to its own prompt's text
// than to the other prompts') on clips of videos that are not the held-out films and on prompts worded
// apart from `eval text`'s defaults, once per guidance scale (a copy of the bundle with generation.guidance
// set, in a temporary folder). Prints per scale: prompts passed, passed against the other outputs, and the
// mean own - others cosine.
// Usage: node dist/scripts/probe-text.js [--bundle weights/v2meow] [--guidance "none;2;3"]
//        [--films mdn_flower.mp4,mdn_friday.mp4] [--folder ../shared/media/video] [--clip-seconds 4]
//        [--seeds 2] [--prompts "a;b;..."]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateTextControl, validationTextPrompts } from '../src/eval/textControl.js';
import { bundleVariant } from './bundleVariant.js';

const { values } = parseArgs({
  options: {
    bundle: { type: 'string', default: 'weights/v2meow' },
    guidance: { type: 'string', default: 'none;2;3' },
    films: { type: 'string', default: 'mdn_flower.mp4,mdn_friday.mp4' },
    folder: { type: 'string', default: '../shared/media/video' },
    'clip-seconds': { type: 'string', default: '4' },
    seeds: { type: 'string', default: '2' },
    prompts: { type: 'string' },
  },
});
const prompts = values.prompts ? values.prompts.split(';').map((p) => p.trim()) : validationTextPrompts;
const scratch = mkdtempSync(join(tmpdir(), 'v2meow-probe-text-'));
const rows: string[] = [];
try {
  for (const g of values.guidance.split(';')) {
    const bundle = bundleVariant(values.bundle, join(scratch, `bundle-${g}`), (generation) => {
      if (g.trim() === 'none') delete generation.guidance;
      else generation.guidance = Number(g);
      return generation;
    });
    const result = await evaluateTextControl({
      model: bundle,
      filmsFolder: values.folder,
      films: values.films.split(','),
      clipSeconds: Number(values['clip-seconds']),
      maxClips: Number.POSITIVE_INFINITY,
      seeds: Number(values.seeds),
      prompts,
      outFolder: join(scratch, `out-${g}`),
      onProgress: (m) => console.error(`guidance ${g}: ${m}`),
    });
    const margin =
      result.prompts.reduce((s, p) => s + p.ownCos - p.othersCos, 0) / Math.max(1, result.prompts.length);
    rows.push(
      `| ${g} | ${result.passed}/${prompts.length} | ${result.passedAgainstOutputs}/${prompts.length} | ${margin.toFixed(4)} | ${result.elapsedSec.toFixed(0)} |`,
    );
    rmSync(bundle, { recursive: true, force: true });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(
  `| guidance (${prompts.length} validation prompts) | passed | passed against outputs | mean own - others cosine | seconds |`,
);
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
