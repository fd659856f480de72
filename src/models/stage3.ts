// Stage 3 of V2Meow (section 3): coarse acoustic tokens (RVQ levels 1-4) -> fine tokens (levels 5-12) on
// 3 s windows. Two layouts:
//   flattened  AudioLM's fine stage, as the paper runs it: one step per fine token (8 x 150 = 1,200 steps per
//              window); here an encoder over the coarse frames (the sum of one embedding per coarse level) and
//              a causal decoder over the flattened fine tokens with cross-attention (acoustic.ts);
//   masked     SoundStorm (Borsos et al. 2023): one bidirectional stack over frames whose input is the sum of
//              the coarse and fine level embeddings (a mask id per fine level); trained on masked tokens
//              (cosine schedule, one level at a time), decoded level by level in a few parallel passes each.
import { V2meowError } from '../errors.js';
import { F, noGrad, rand, type Tensor, tensor, tidy } from '../torch/index.js';
import * as nn from '../torch/nn/index.js';
import { createRandom } from '../util/random.js';
import { AcousticDecoder, codesOf, codesTensor } from './acoustic.js';
import {
  accuracyOf,
  asIds,
  type PresetName,
  repeatRows,
  type StageConfigBase,
  stackConfig,
  stageConfigStart,
} from './common.js';
import { batchRows, maskedAfterPass, sampleMaskedExample } from './layouts.js';
import {
  defaultTemperatures,
  type GenerateOptions,
  type GenerationState,
  Sampler,
  withState,
} from './sampling.js';
import type { StageOutput } from './stage1.js';

export const stage3Kind = 'stage3';
export const stage3Version = 1;

export type Stage3Layout = 'flattened' | 'masked';

export interface Stage3Config extends StageConfigBase {
  /** flattened (autoregressive, AudioLM) or masked (parallel passes, SoundStorm). */
  readonly layout: Stage3Layout;
  /** Coarse levels read (the codec's first levels). */
  readonly numCoarseLevels: number;
  /** Fine levels predicted (the levels after the coarse ones). */
  readonly numFineLevels: number;
  /** Codes per RVQ level. */
  readonly codebookSize: number;
  /** Longest window (prompt + new frames) one generate() call runs, in acoustic frames (150 = 3 s). */
  readonly windowFrames: number;
  /** masked: parallel passes per fine level (SoundStorm: several for the first level, one for the rest). */
  readonly passesPerLevel: readonly number[];
}

export function stage3Config(preset: PresetName, overrides: Partial<Stage3Config> = {}): Stage3Config {
  const layout = overrides.layout ?? 'masked';
  return {
    // the masked stage has one stack
    ...stageConfigStart(preset, stage3Version, layout === 'masked'),
    layout,
    numCoarseLevels: 4,
    numFineLevels: 8,
    codebookSize: 1024,
    windowFrames: 150,
    passesPerLevel: [8, 2, 1, 1, 1, 1, 1, 1],
    temperature: defaultTemperatures.stage3,
    ...overrides,
  };
}

/** What stage 3 is conditioned on. */
export interface Stage3Conditions {
  /** Coarse codes [B, >= numCoarseLevels, P + T] (prompt frames first). */
  readonly coarse: Tensor;
}

/** A training batch. */
export interface Stage3Batch {
  /** Codes [B, >= coarse + fine levels, T]: the coarse levels, then the fine ones (the reader's 12 levels). */
  readonly acoustic: Tensor;
}

export interface Stage3GenerateOptions extends GenerateOptions {
  /** Fine codes of the first P frames [B, numFineLevels, P]; the rest of the coarse frames are generated. */
  readonly prompt?: Tensor | null;
}

export class Stage3 extends nn.Module {
  readonly kind = stage3Kind;
  readonly coarseEmbed: nn.Embedding;
  /** flattened: the encoder over coarse frames. masked: null. */
  readonly encoder: nn.TransformerStack | null;
  /** flattened: the causal decoder. masked: the bidirectional stack. */
  readonly decoder: nn.TransformerStack;
  readonly fine: AcousticDecoder | null;
  readonly fineEmbed: nn.Embedding | null;
  readonly heads: nn.Linear | null;

  constructor(readonly config: Stage3Config) {
    super();
    const d = config.dModel;
    const c = config.codebookSize;
    this.coarseEmbed = this.child('coarseEmbed', new nn.Embedding(config.numCoarseLevels * c, d, 0.02));
    if (config.layout === 'flattened') {
      this.encoder = this.child(
        'encoder',
        new nn.TransformerStack(stackConfig(config, config.numEncoderLayers), false, false),
      );
      this.decoder = this.child(
        'decoder',
        new nn.TransformerStack(stackConfig(config, config.numDecoderLayers), true, true),
      );
      this.fine = this.child('fine', new AcousticDecoder('flattened', config.numFineLevels, c, d));
      this.fineEmbed = this.heads = null;
    } else {
      this.encoder = this.fine = null;
      this.decoder = this.child(
        'decoder',
        new nn.TransformerStack(stackConfig(config, config.numDecoderLayers), false, false),
      );
      this.fineEmbed = this.child('fineEmbed', new nn.Embedding(config.numFineLevels * (c + 1), d, 0.02));
      this.heads = this.child('heads', new nn.Linear(d, config.numFineLevels * c));
    }
  }

  /** The mask id of each fine level (masked layout). */
  get maskToken(): number {
    return this.config.codebookSize;
  }

  /** Coarse codes [B, >= Kc, T] -> the sum of their level embeddings [B, T, D]. */
  private embedCoarse(coarse: Tensor): Tensor {
    const k = this.config.numCoarseLevels;
    const ids = asIds(coarse).narrow(1, 0, k);
    const offsets = tensor(
      Array.from({ length: k }, (_, i) => i * this.config.codebookSize),
      [1, k, 1],
      { dtype: 'int64' },
    );
    return this.coarseEmbed.forward(ids.add(offsets)).sum(1);
  }

  /** masked: coarse [B, Kc, T] + fine ids (mask = C) int32 [B, Kf, T] -> logits [B, T, Kf, C]. */
  private maskedLogits(coarse: Tensor, fine: Tensor): Tensor {
    const kf = this.config.numFineLevels;
    const offsets = tensor(
      Array.from({ length: kf }, (_, i) => i * (this.config.codebookSize + 1)),
      [1, kf, 1],
      { dtype: 'int64' },
    );
    const x = this.embedCoarse(coarse).add(this.fineEmbed!.forward(asIds(fine).add(offsets)).sum(1));
    const h = this.decoder.forward(x);
    const [b, t] = h.shape as [number, number];
    return this.heads!.forward(h).reshape([b, t, kf, this.config.codebookSize]);
  }

  /**
   * flattened: teacher-forced logits [B, Kf x T, Kf x C]. masked: logits [B, T, Kf, C] of one masked-token
   * example per row (accuracy = masked-token accuracy). Both: loss, accuracy, accuracy per fine level.
   */
  forward(batch: Stage3Batch): StageOutput {
    const { numCoarseLevels: kc, numFineLevels: kf } = this.config;
    if (batch.acoustic.size(1) < kc + kf) {
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `stage 3 needs ${kc + kf} levels, the batch has ${batch.acoustic.size(1)}`,
      );
    }
    const coarse = batch.acoustic.narrow(1, 0, kc);
    const fine = batch.acoustic.narrow(1, kc, kf);
    if (this.fine) {
      const { inputs, targets } = this.fine.teacher(fine);
      const memory = this.encoder!.forward(this.embedCoarse(coarse));
      const logits = this.fine.logits(this.decoder.forward(this.fine.embedInputs(inputs), { memory }));
      const { loss, accuracy, levelAccuracy } = this.fine.loss(logits, targets);
      return { logits, loss, accuracy, levelAccuracy };
    }
    const [b, , t] = fine.shape as [number, number, number];
    const seeds = rand([b]).toFloat32Array();
    const rows = batchRows(Int32Array.from(fine.contiguous().toArray()), b, kf, t);
    const examples = rows.map((row, r) =>
      sampleMaskedExample(row, this.maskToken, createRandom(Math.floor(seeds[r]! * 2 ** 32))),
    );
    const join = (key: 'inputs' | 'targets') => {
      const out = new Int32Array(b * kf * t);
      examples.forEach((e, r) => {
        out.set(e[key], r * kf * t);
      });
      return tensor(out, [b, kf, t], { dtype: 'int64' });
    };
    const logits = this.maskedLogits(coarse, join('inputs'));
    const targets = join('targets').permute([0, 2, 1]); // [B, T, Kf]
    const loss = F.crossEntropy(logits.reshape([-1, this.config.codebookSize]), targets.reshape([-1]));
    const levelAccuracy = noGrad(() =>
      Array.from({ length: kf }, (_, l) => accuracyOf(logits.select(2, l), targets.select(2, l))),
    );
    return { logits, loss, accuracy: noGrad(() => accuracyOf(logits, targets)), levelAccuracy };
  }

  /** Samples the fine codes of the frames after the prompt: int64 [B x candidates, Kf, T]. */
  generate(c: Stage3Conditions, o: Stage3GenerateOptions = {}): Tensor {
    const batch = c.coarse.size(0);
    const n = o.candidates ?? 1;
    const totalFrames = c.coarse.size(2);
    const promptFrames = o.prompt?.size(2) ?? 0;
    const numFrames = totalFrames - promptFrames;
    if (numFrames < 1)
      throw new V2meowError('BAD_ARGUMENT', 'stage 3: the coarse codes hold no frames after the prompt');
    if (totalFrames > this.config.windowFrames) {
      throw new V2meowError(
        'BAD_ARGUMENT',
        `stage 3 runs at most ${this.config.windowFrames} frames per call, asked ${totalFrames}`,
      );
    }
    const sampler = Sampler.from(o, this.config.temperature);
    if (sampler.guided) throw new V2meowError('BAD_ARGUMENT', 'stage 3 has no condition to guide with');
    const wasTraining = this.training;
    this.eval();
    try {
      return withState(o, batch * n, (state) =>
        noGrad(() =>
          tidy(() => {
            const coarse = repeatRows(asIds(c.coarse), n);
            const prompt = o.prompt ? codesOf(repeatRows(asIds(o.prompt), n)) : null;
            const rows = batch * n;
            const codes = this.fine
              ? this.decodeFlattened(coarse, prompt, promptFrames, numFrames, sampler, state, o)
              : this.decodeMasked(coarse, prompt, promptFrames, numFrames, sampler, state, o);
            return codesTensor(codes, rows, this.config.numFineLevels, numFrames);
          }),
        ),
      );
    } finally {
      this.train(wasTraining);
    }
  }

  private decodeFlattened(
    coarse: Tensor,
    prompt: Int32Array | null,
    promptFrames: number,
    numFrames: number,
    sampler: Sampler,
    state: GenerationState,
    o: Stage3GenerateOptions,
  ): Int32Array {
    const memory = this.encoder!.forward(this.embedCoarse(coarse));
    const length = this.fine!.steps(promptFrames + numFrames) + 2;
    const cache = state.open(new nn.DecoderCache(this.config.numDecoderLayers, length, memory.size(1)));
    const run = (x: Tensor) => this.decoder.forward(x, { memory, cache });
    return this.fine!.decode(run, coarse.size(0), prompt, promptFrames, numFrames, sampler, state, o.onStep);
  }

  /** Level by level; within a level, passes that keep the most confident of the sampled tokens (MaskGIT). */
  private decodeMasked(
    coarse: Tensor,
    prompt: Int32Array | null,
    promptFrames: number,
    numFrames: number,
    sampler: Sampler,
    state: GenerationState,
    o: Stage3GenerateOptions,
  ): Int32Array {
    const { numFineLevels: kf, codebookSize: cb } = this.config;
    const rows = coarse.size(0);
    const total = promptFrames + numFrames;
    const fine = new Int32Array(rows * kf * total).fill(this.maskToken);
    if (prompt) {
      for (let r = 0; r < rows; r++) {
        for (let l = 0; l < kf; l++) {
          fine.set(
            prompt.subarray((r * kf + l) * promptFrames, (r * kf + l + 1) * promptFrames),
            (r * kf + l) * total,
          );
        }
      }
    }
    const passes = Array.from({ length: kf }, (_, l) => Math.max(1, this.config.passesPerLevel[l] ?? 1));
    const allPasses = passes.reduce((a, p) => a + p, 0);
    let done = 0;
    const suppressed = sampler.levelMask(kf, cb)?.keep() ?? null; // [Kf, C]
    for (let level = 0; level < kf; level++) {
      const left = maskedAfterPass(numFrames, passes[level]!);
      for (let pass = 0; pass < passes[level]!; pass++) {
        const { ids, probabilities } = tidy(() => {
          const logits = this.maskedLogits(coarse, tensor(fine, [rows, kf, total], { dtype: 'int64' }));
          let levelLogits = logits.select(2, level).narrow(1, promptFrames, numFrames).reshape([-1, cb]);
          if (suppressed)
            levelLogits = levelLogits.maskedFill(suppressed.select(0, level), Number.NEGATIVE_INFINITY);
          return sampler.sample(levelLogits, state.generators, numFrames);
        });
        for (let r = 0; r < rows; r++) {
          const base = (r * kf + level) * total + promptFrames;
          const masked: number[] = [];
          for (let f = 0; f < numFrames; f++) if (fine[base + f] === this.maskToken) masked.push(f);
          const keep = masked.length - left[pass]!;
          masked.sort(
            (a, b) => probabilities[r * numFrames + b]! - probabilities[r * numFrames + a]! || a - b,
          );
          for (const f of masked.slice(0, keep)) fine[base + f] = ids[r * numFrames + f]!;
        }
        state.steps++;
        o.onStep?.(++done, allPasses);
      }
    }
    suppressed?.dispose();
    // the new frames only
    const out = new Int32Array(rows * kf * numFrames);
    for (let rl = 0; rl < rows * kf; rl++) {
      out.set(fine.subarray(rl * total + promptFrames, (rl + 1) * total), rl * numFrames);
    }
    return out;
  }
}
