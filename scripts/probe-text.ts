// Text control on VALIDATION material, to choose a bundle's guidance scale (issue 13: settings are chosen away
// from the evaluation): `eval text`'s measure (each output's MusiCNN style closer to its own prompt's text
// than to the other prompts') on clips of videos that are not the held-out films and on prompts worded
// apart from `eval text`'s defaults, once per guidance scale (a copy of the bundle with generation.guidance
// set, in a temporary folder). Prints per scale: prompts passed, passed against the other outputs, and the
// mean own - others cosine (and, on stderr, each prompt's cosines).
// Usage: node dist/scripts/probe-text.js [--bundle weights/v2meow] [--guidance "none;2;3"]
//        [--films mdn_flower.mp4,mdn_friday.mp4] [--folder ../shared/media/video] [--clip-seconds 4]
//        [--seeds 2] [--prompts "a;b;..."] [--prior DIR --prior-k "0;8" --style-prompt "0;1"]
//        [--guidance-drop "bundle;all;style"] [--stage2-guidance "bundle;1;3"]
// --prior adds a style prior folder (`v2meow dataset style-prior`) to the bundle copies; --prior-k lists the
// generation.stylePriorK values to try with each guidance scale (0: the text's own vector), --style-prompt
// whether each (k > 0) continues the nearest examples' style prompts (generation.stylePrompt), --guidance-drop
// which conditions the unconditional rows drop (generation.guidanceDrop; 'bundle' keeps the bundle's),
// --stage2-guidance stage 2's own scale for a stage 2 that reads the style (generation.sampling.stage2.guidanceScale;
// 'bundle' keeps the bundle's, else the guidance scale).
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
    prior: { type: 'string' },
    'prior-k': { type: 'string', default: '0' },
    'style-prompt': { type: 'string', default: '0' },
    'guidance-drop': { type: 'string', default: 'bundle' },
    'stage2-guidance': { type: 'string', default: 'bundle' },
  },
});
const prompts = values.prompts ? values.prompts.split(';').map((p) => p.trim()) : validationTextPrompts;
const scratch = mkdtempSync(join(tmpdir(), 'v2meow-probe-text-'));
const rows: string[] = [];
try {
  for (const g of values.guidance.split(';'))
    for (const drop of values['guidance-drop'].split(';').map((x) => x.trim()))
      for (const g2 of values['stage2-guidance'].split(';').map((x) => x.trim()))
        for (const k of values['prior-k'].split(';').map(Number))
          for (const sp of values['style-prompt'].split(';').map((x) => x.trim() === '1')) {
            if (sp && k === 0) continue;
            if (drop !== 'bundle' && g.trim() === 'none') continue;
            const name = `${g}-${drop}-s2${g2}-k${k}${sp ? '-prompt' : ''}`;
            const bundle = bundleVariant(
              values.bundle,
              join(scratch, `bundle-${name}`),
              (generation) => {
                if (g.trim() === 'none') delete generation.guidance;
                else generation.guidance = Number(g);
                if (drop !== 'bundle') generation.guidanceDrop = drop;
                if (k > 0) generation.stylePriorK = k;
                else delete generation.stylePriorK;
                if (sp) generation.stylePrompt = true;
                else delete generation.stylePrompt;
                if (g2 !== 'bundle') {
                  const sampling = { ...(generation.sampling ?? {}) } as Record<string, object>;
                  sampling.stage2 = { ...(sampling.stage2 ?? {}), guidanceScale: Number(g2) };
                  generation.sampling = sampling;
                }
                return generation;
              },
              values.prior ? { stylePrior: values.prior } : {},
            );
            const result = await evaluateTextControl({
              model: bundle,
              filmsFolder: values.folder,
              films: values.films.split(','),
              clipSeconds: Number(values['clip-seconds']),
              maxClips: Number.POSITIVE_INFINITY,
              seeds: Number(values.seeds),
              prompts,
              outFolder: join(scratch, `out-${name}`),
              onProgress: (m) => console.error(`${name}: ${m}`),
            });
            for (const f of result.prompts)
              console.error(
                `${name}: "${f.prompt}" own ${f.ownCos.toFixed(3)} others ${f.othersCos.toFixed(3)} other outputs ${f.otherOutputsCos.toFixed(3)} rank ${f.rank}${f.pass ? ' pass' : ''}`,
              );
            const margin =
              result.prompts.reduce((s, p) => s + p.ownCos - p.othersCos, 0) /
              Math.max(1, result.prompts.length);
            rows.push(
              `| ${g}${drop === 'bundle' ? '' : ` (drop ${drop})`}${g2 === 'bundle' ? '' : `, stage 2 at ${g2}`} | ${k}${sp ? ' + prompt' : ''} | ${result.passed}/${prompts.length} | ${result.passedAgainstOutputs}/${prompts.length} | ${margin.toFixed(4)} | ${result.elapsedSec.toFixed(0)} |`,
            );
            rmSync(bundle, { recursive: true, force: true });
          }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(
  `| guidance (${prompts.length} validation prompts) | style prior k | passed | passed against outputs | mean own - others cosine | seconds |`,
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
