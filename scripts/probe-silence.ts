// Long generations from text alone, on prompts worded apart from `eval text`'s (no evaluation clip is used):
// how often a bundle falls into silence over S seconds, and YAMNet's Music score, once per variant of the
// bundle's generation settings (a JSON object merged over bundle.json `generation`, in a temporary copy).
// Chooses settings such as stage 2's suppressed near-silent codes (issue 13) away from the evaluation.
// Usage: node dist/scripts/probe-silence.js [--bundle weights/v2meow] [--seconds 30] [--candidates 2]
//        [--variants '{"name":"as shipped"};{"name":"no quiet codes","sampling":{"stage2":{...}}}']
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rmsDb } from '../src/data/pcm16.js';
import { Yamnet } from '../src/encoders/yamnet.js';
import { validationTextPrompts } from '../src/eval/textControl.js';
import { V2Meow } from '../src/generate/pipeline.js';
import { bundleVariant } from './bundleVariant.js';

const prompts = validationTextPrompts;
const { values } = parseArgs({
  options: {
    bundle: { type: 'string', default: 'weights/v2meow' },
    seconds: { type: 'string', default: '30' },
    candidates: { type: 'string', default: '2' },
    variants: { type: 'string', default: '{"name":"as shipped"}' },
  },
});
const seconds = Number(values.seconds);
const candidates = Number(values.candidates);
const yamnet = await Yamnet.fromPretrained();
const music = yamnet.labels.indexOf('Music');
const scratch = mkdtempSync(join(tmpdir(), 'v2meow-probe-silence-'));
const rows: string[] = [];
try {
  for (const text of values.variants.split(';')) {
    const { name, ...patch } = JSON.parse(text) as { name: string } & Record<string, unknown>;
    const bundle = bundleVariant(values.bundle, join(scratch, 'bundle'), (generation) => ({
      ...generation,
      ...patch,
    }));
    const model = await V2Meow.fromPretrained(bundle);
    let quietSeconds = 0;
    let totalSeconds = 0;
    let longestQuiet = 0;
    const scores: number[] = [];
    const started = performance.now();
    try {
      for (const [p, prompt] of prompts.entries()) {
        const result = await model.generate({ text: prompt, seconds, seed: p, candidates });
        for (const c of result.candidates) {
          let run = 0;
          for (let s = 0; s + 16000 <= c.waveform.length; s += 16000) {
            const quiet = rmsDb(c.waveform, s, 16000) < -45;
            quietSeconds += quiet ? 1 : 0;
            run = quiet ? run + 1 : 0;
            longestQuiet = Math.max(longestQuiet, run);
            totalSeconds++;
          }
          const y = yamnet.run(c.waveform);
          let sum = 0;
          for (let w = 0; w < y.numWindows; w++) sum += y.scores[w * yamnet.labels.length + music]!;
          scores.push(sum / y.numWindows);
        }
        console.error(`${name}: ${p + 1}/${prompts.length} "${prompt}"`);
      }
    } finally {
      model.dispose();
    }
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    rows.push(
      `| ${name} | ${(quietSeconds / totalSeconds).toFixed(3)} | ${longestQuiet} | ${mean.toFixed(3)} | ${((performance.now() - started) / 1000).toFixed(0)} |`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(
  `| variant (${prompts.length} prompts x ${candidates} x ${seconds} s, text only) | share of seconds below -45 dBFS | longest quiet run (s) | YAMNet Music | seconds |`,
);
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
