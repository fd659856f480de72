// The stage presets' sizes and training cost on this machine (docs/stages.md): parameters of every stage,
// architecture and layout for the debug / small / paper presets, and for the small preset the wall time of one
// training step (forward + backward + AdamW) on random tokens of a full crop: 10 s for stages 1 and 2, 3 s for
// stage 3. Batch 8, except the flattened layouts, whose 2,250- and 1,200-step sequences are timed at batch 2
// and scaled by 4 (their attention at batch 8 would not fit beside the other engineers' jobs).
// SIZES_SKIP_TRAIN=1 prints the parameter table only.
import { type PresetName, presetNames } from '../src/models/common.js';
import type { StageModel } from '../src/models/modelFile.js';
import { Stage1, stage1Config } from '../src/models/stage1.js';
import { Stage2, stage2Config } from '../src/models/stage2.js';
import { Stage3, stage3Config } from '../src/models/stage3.js';
import { AdamW, manualSeed, randint, randn, type Tensor, tidy } from '../src/torch/index.js';

interface Variant {
  name: string;
  build(preset: PresetName): StageModel;
  /** A random training batch of `rows` crops. */
  batch(model: StageModel, rows: number): Record<string, unknown>;
  cropSeconds: number;
  timedRows: number;
}

const variants: Variant[] = [
  {
    name: 'stage1 enc-dec',
    build: (p) => new Stage1(stage1Config(p)),
    batch: (m, rows) => {
      const c = (m as Stage1).config;
      const streams: Record<string, Tensor> = {};
      for (const s of c.streams) {
        const frames = Math.ceil(10 * s.rateHz);
        streams[s.name] =
          s.kind === 'tokens'
            ? randint(0, s.vocabularySize!, [rows, frames, s.dim]).float()
            : randn([rows, frames, s.dim]);
      }
      return { streams, style: randn([rows, c.styleDim]), semantic: randint(0, 1024, [rows, 250]) };
    },
    cropSeconds: 10,
    timedRows: 8,
  },
  ...(['delay', 'flattened'] as const).map(
    (layout): Variant => ({
      name: `stage2 decoderOnly ${layout}`,
      build: (p) => new Stage2(stage2Config(p, { layout })),
      batch: (_m, rows) => ({
        semantic: randint(0, 1024, [rows, 250]),
        acoustic: randint(0, 1024, [rows, 12, 500]),
      }),
      cropSeconds: 10,
      timedRows: layout === 'delay' ? 8 : 2,
    }),
  ),
  {
    name: 'stage2 encoderDecoder delay',
    build: (p) => new Stage2(stage2Config(p, { architecture: 'encoderDecoder' })),
    batch: (_m, rows) => ({
      semantic: randint(0, 1024, [rows, 250]),
      acoustic: randint(0, 1024, [rows, 12, 500]),
    }),
    cropSeconds: 10,
    timedRows: 8,
  },
  ...(['masked', 'flattened'] as const).map(
    (layout): Variant => ({
      name: `stage3 ${layout}`,
      build: (p) => new Stage3(stage3Config(p, { layout })),
      batch: (_m, rows) => ({ acoustic: randint(0, 1024, [rows, 12, 150]) }),
      cropSeconds: 3,
      timedRows: layout === 'masked' ? 8 : 2,
    }),
  ),
];

manualSeed(0);
console.log('| stage | debug | small | paper |');
console.log('|---|---|---|---|');
for (const v of variants) {
  const counts = presetNames.map((p) => {
    const m = v.build(p);
    const n = m.numParameters();
    m.dispose();
    return n < 1e6 ? `${(n / 1e3).toFixed(0)}k` : `${(n / 1e6).toFixed(1)}M`;
  });
  console.log(`| ${v.name} | ${counts.join(' | ')} |`);
}

if (process.env.SIZES_SKIP_TRAIN !== '1') {
  console.log('\nsmall preset, one training step (forward + backward + AdamW), best of 3 after one warm-up:');
  console.log('| stage | crop | rows timed | ms per step at batch 8 | ms per 10 s of training audio |');
  console.log('|---|---|---|---|---|');
  for (const v of variants) {
    const m = v.build('small');
    const optimizer = new AdamW(m.parameters(), { lr: 1e-4 });
    let best = Number.POSITIVE_INFINITY;
    for (let k = 0; k < 4; k++) {
      const t0 = performance.now();
      tidy(() => {
        const out = m.forward(v.batch(m, v.timedRows) as never);
        optimizer.zeroGrad();
        out.loss.backward();
        optimizer.stepWith();
      });
      if (k > 0) best = Math.min(best, performance.now() - t0);
    }
    const at8 = (best * 8) / v.timedRows;
    const per10s = (at8 / (8 * v.cropSeconds)) * 10;
    console.log(
      `| ${v.name} | ${v.cropSeconds} s | ${v.timedRows} | ${at8.toFixed(0)} | ${per10s.toFixed(0)} |`,
    );
    m.dispose();
  }
}
