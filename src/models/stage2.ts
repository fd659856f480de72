// Stage 2 of V2Meow (section 3): music semantic tokens (25 Hz) -> coarse acoustic tokens (the codec's first
// 4 RVQ levels, 50 Hz). Two architectures, as the paper compares them:
//   decoderOnly     one causal stack over [semantic prefix, BOS, acoustic steps] (AudioLM's coarse stage;
//                   trains on music alone);
//   encoderDecoder  an encoder over the semantic tokens plus the visual streams (held onto 25 Hz, summed,
//                   with video dropout), a causal decoder over the acoustic steps with cross-attention.
// The acoustic steps follow the configured layout: flattened (AudioLM, 2,000 steps for 10 s) or delay
// (MusicGen, 503 steps for 10 s); see acoustic.ts and layouts.ts.
import { styleDim } from '../encoders/clipStyle.js';
import { V2meowError } from '../errors.js';
import { acousticPerSemantic, semanticRateHz } from '../features/timeline.js';
import { committedSemanticTokenizer } from '../tokens/semantic.js';
import { cat, noGrad, rand, type Tensor, tensor, tidy, zeros } from '../torch/index.js';
import * as nn from '../torch/nn/index.js';
import { AcousticDecoder, type AcousticLayout, codesOf, codesTensor } from './acoustic.js';
import {
  asIds,
  dropRows,
  type PresetName,
  repeatRows,
  type StageConfigBase,
  StreamAdaptors,
  type StreamInputs,
  type StreamSpec,
  stackConfig,
  stageConfigStart,
} from './common.js';
import {
  defaultTemperatures,
  type GenerateOptions,
  type GenerationState,
  Sampler,
  withState,
} from './sampling.js';
import type { GuidanceDrop, StageOutput } from './stage1.js';

export const stage2Kind = 'stage2';
export const stage2Version = 1;

export type Stage2Architecture = 'decoderOnly' | 'encoderDecoder';

export interface Stage2Config extends StageConfigBase {
  /** decoderOnly: semantic prefix then acoustic steps; encoderDecoder: semantic + visual encoder. */
  readonly architecture: Stage2Architecture;
  /** Token layout of the acoustic steps. */
  readonly layout: AcousticLayout;
  /** Coarse RVQ levels predicted (the codec's first levels). */
  readonly numLevels: number;
  /** Codes per RVQ level. */
  readonly codebookSize: number;
  /** Semantic token ids 0..semanticVocabularySize-1. */
  readonly semanticVocabularySize: number;
  /** Visual streams read by the encoder (encoderDecoder only; empty = semantic tokens alone). */
  readonly streams: readonly StreamSpec[];
  /** Probability of dropping the video condition of a training example (encoderDecoder). */
  readonly videoDropout: number;
  /** Longest window (prompt + new frames) one generate() call runs, in acoustic frames (500 = 10 s). */
  readonly maxFrames: number;
  /**
   * Aligned semantic conditioning: each acoustic step's input also gets, for every offset o here, an embedding
   * (one table per offset) of the semantic token at frame f + o (clamped), where f is the semantic frame of the
   * level-0 code that step predicts. The prefix alone makes the stack find the semantic token of its own time
   * from content (relative positions cannot express "the token aligned with me": the prefix-to-step distance
   * grows with time); this hands it over, with a little look-around. Empty or absent (model files made before
   * it): off.
   */
  readonly alignedSemantic?: readonly number[];
  /** decoderOnly: put the semantic tokens before the acoustic steps (AudioLM). Absent: true. */
  readonly semanticPrefix?: boolean;
  /**
   * Style conditioning: the 100-d style vector (src/encoders/clipStyle.ts; at generation the text's) goes
   * through a Linear, zero at initialisation, into every acoustic step's input, so that the timbre is not left
   * to the semantic tokens alone (docs/stages.md). Rows without a style get the zero vector. Absent in model
   * files made before it: off.
   */
  readonly styleInput?: boolean;
  /** Probability of dropping the style of a training example (styleInput). Absent: 0.1. */
  readonly styleDropout?: number;
}

export function stage2Config(preset: PresetName, overrides: Partial<Stage2Config> = {}): Stage2Config {
  const architecture = overrides.architecture ?? 'decoderOnly';
  return {
    // a decoder-only stage has one stack
    ...stageConfigStart(preset, stage2Version, architecture === 'decoderOnly'),
    architecture,
    layout: 'delay',
    numLevels: 4,
    codebookSize: 1024,
    semanticVocabularySize: committedSemanticTokenizer.vocabularySize,
    streams: [],
    videoDropout: 0.1,
    maxFrames: 500,
    temperature: defaultTemperatures.stage2,
    alignedSemantic: [-1, 0, 1, 2],
    semanticPrefix: true,
    styleInput: false,
    styleDropout: 0.1,
    ...overrides,
  };
}

/** What stage 2 is conditioned on: semantic tokens covering prompt + new frames, and optionally video. */
export interface Stage2Conditions extends StreamInputs {
  /** Semantic tokens [B, S] at 25 Hz (S = ceil(frames / 2)). */
  readonly semantic: Tensor;
  /** Style vectors [B, styleDim] (config.styleInput), or null: absent in every row. */
  readonly style?: Tensor | null;
  /** Rows whose style is kept (default all rows, when style is given). */
  readonly stylePresent?: readonly boolean[];
}

/** A training batch. */
export interface Stage2Batch extends Stage2Conditions {
  /** Acoustic codes [B, >= numLevels, T] at 50 Hz (the reader's 12 levels; the first numLevels are used). */
  readonly acoustic: Tensor;
}

export interface Stage2GenerateOptions extends GenerateOptions {
  /** New acoustic frames per row (default: what the semantic tokens cover, minus the prompt). */
  readonly numFrames?: number;
  /** Coarse codes of the frames before [B, numLevels, P] (each candidate continues its row's prompt). */
  readonly prompt?: Tensor | null;
  /** What guidance's unconditional rows drop (default 'all'): the video and/or the style, where read. */
  readonly guidanceDrop?: GuidanceDrop;
}

export class Stage2 extends nn.Module {
  readonly kind = stage2Kind;
  /** Semantic token embeddings of the prefix or the encoder (null: decoder-only without a prefix). */
  readonly semanticEmbed: nn.Embedding | null;
  readonly adaptors: StreamAdaptors | null;
  readonly encoder: nn.TransformerStack | null;
  readonly decoder: nn.TransformerStack;
  readonly acoustic: AcousticDecoder;
  /** One embedding table per aligned offset, stacked (config.alignedSemantic). */
  readonly alignedEmbed: nn.Embedding | null;
  /** The style vector -> every step input (config.styleInput). */
  readonly styleProjection: nn.Linear | null;

  constructor(readonly config: Stage2Config) {
    super();
    const d = config.dModel;
    const encDec = config.architecture === 'encoderDecoder';
    this.semanticEmbed =
      encDec || config.semanticPrefix !== false
        ? this.child('semanticEmbed', new nn.Embedding(config.semanticVocabularySize, d, 0.02))
        : null;
    this.adaptors =
      encDec && config.streams.length ? this.child('adaptors', new StreamAdaptors(config.streams, d)) : null;
    this.encoder = encDec
      ? this.child(
          'encoder',
          new nn.TransformerStack(stackConfig(config, config.numEncoderLayers), false, false),
        )
      : null;
    this.decoder = this.child(
      'decoder',
      new nn.TransformerStack(stackConfig(config, config.numDecoderLayers), true, encDec),
    );
    this.acoustic = this.child(
      'acoustic',
      new AcousticDecoder(config.layout, config.numLevels, config.codebookSize, d),
    );
    const offsets = config.alignedSemantic ?? [];
    this.alignedEmbed = offsets.length
      ? this.child('alignedEmbed', new nn.Embedding(offsets.length * config.semanticVocabularySize, d, 0.02))
      : null;
    this.styleProjection = config.styleInput
      ? this.child('styleProjection', new nn.Linear(styleDim, d))
      : null;
    if (this.styleProjection)
      noGrad(() => {
        this.styleProjection!.weight.fill_(0);
        this.styleProjection!.bias?.fill_(0);
      });
    if (!encDec && config.semanticPrefix === false && !this.alignedEmbed)
      throw new V2meowError(
        'BAD_ARGUMENT',
        'stage 2 without a semantic prefix needs alignedSemantic offsets',
      );
  }

  /** Parameters that a model file made before config.styleInput lacks (they start at zero on --init). */
  static newParameters(config: Stage2Config): (name: string) => boolean {
    return (name) => !!config.styleInput && name.startsWith('styleProjection.');
  }

  /** Whether guidance whose unconditional rows drop `drop` has a condition of this stage to drop. */
  guides(drop: GuidanceDrop = 'all'): boolean {
    return (!!this.adaptors && drop !== 'style') || (!!this.styleProjection && drop !== 'video');
  }

  /**
   * The style embedding [B, 1, D] added to every step input (config.styleInput), or null: the projection of
   * each row's style vector, of the zero vector for rows without one.
   */
  private styleEmbedding(c: Stage2Conditions, batch: number): Tensor | null {
    if (!this.styleProjection) return null;
    let style: Tensor;
    if (c.style) {
      if (c.style.size(0) !== batch || c.style.size(1) !== styleDim)
        throw new V2meowError(
          'SHAPE_MISMATCH',
          `style is [${c.style.shape}], expected [${batch}, ${styleDim}]`,
        );
      style = c.style.float();
      if (c.stylePresent)
        style = style.mul(
          tensor(
            Float32Array.from(c.stylePresent, (r) => (r ? 1 : 0)),
            [batch, 1],
          ),
        );
    } else {
      style = zeros([batch, styleDim]);
    }
    return this.styleProjection.forward(style).unsqueeze(1);
  }

  /** decoderOnly with the semantic tokens as a prefix of the stack's sequence. */
  private get prefixed(): boolean {
    return !this.encoder && this.config.semanticPrefix !== false;
  }

  /**
   * Step inputs [B, L, D] plus the aligned semantic embeddings of decoder positions first..first+L-1
   * (position j predicts step j: delay column j, or flattened token j). semantic: ids [B, S].
   */
  private withAligned(x: Tensor, semantic: Tensor, first: number): Tensor {
    if (!this.alignedEmbed) return x;
    const offsets = this.config.alignedSemantic!;
    const v = this.config.semanticVocabularySize;
    const [b, l] = [x.size(0), x.size(1)];
    const s = semantic.size(1);
    const frameOf = (j: number) =>
      this.config.layout === 'flattened' ? Math.floor(j / this.config.numLevels) : j;
    const at = new Int32Array(l * offsets.length);
    for (let i = 0; i < l; i++) {
      const f = Math.floor(frameOf(first + i) / acousticPerSemantic);
      offsets.forEach((o, k) => {
        at[i * offsets.length + k] = Math.max(0, Math.min(s - 1, f + o));
      });
    }
    const ids = semantic.indexSelect(1, tensor(at, [at.length], { dtype: 'int64' }));
    const shift = tensor(
      Int32Array.from({ length: at.length }, (_, i) => (i % offsets.length) * v),
      [1, at.length],
      { dtype: 'int64' },
    );
    const e = this.alignedEmbed.forward(ids.add(shift)).reshape([b, l, offsets.length, x.size(2)]);
    return x.add(e.sum(2));
  }

  /** encoderDecoder: semantic [B, S] + streams -> memory [B, S, D]. decoderOnly: the embedded prefix. */
  private condition(c: Stage2Conditions, batch: number): Tensor {
    const semantic = asIds(c.semantic);
    let x = this.semanticEmbed!.forward(semantic);
    if (!this.encoder) return x;
    if (this.adaptors) x = x.add(this.adaptors.forward(c, batch, semanticRateHz, semantic.size(1)));
    return this.encoder.forward(x);
  }

  private checkShapes(c: Stage2Conditions, frames: number): void {
    const need = Math.ceil(frames / acousticPerSemantic);
    if (c.semantic.size(1) < need) {
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `${frames} acoustic frames need ${need} semantic tokens, got ${c.semantic.size(1)}`,
      );
    }
  }

  /**
   * Teacher-forced logits ([B, L, K x C] flattened, [B, L, K, C] delay), loss, accuracy and accuracy per level.
   */
  forward(batch: Stage2Batch): StageOutput {
    const b = batch.acoustic.size(0);
    const frames = batch.acoustic.size(2);
    this.checkShapes(batch, frames);
    let c: Stage2Conditions = batch;
    if (this.training && (this.adaptors || this.styleProjection)) {
      const draws = rand([2 * b]).toFloat32Array();
      let k = 0;
      const draw = () => draws[k++]!;
      c = {
        ...batch,
        ...(this.adaptors
          ? { videoPresent: dropRows(b, this.config.videoDropout, batch.videoPresent, draw) }
          : {}),
        ...(this.styleProjection
          ? { stylePresent: dropRows(b, this.config.styleDropout ?? 0.1, batch.stylePresent, draw) }
          : {}),
      };
    }
    const { inputs, targets } = this.acoustic.teacher(batch.acoustic);
    const cond = this.semanticEmbed ? this.condition(c, b) : null;
    let x = this.withAligned(this.acoustic.embedInputs(inputs), asIds(batch.semantic), 0);
    const style = this.styleEmbedding(c, b);
    if (style) x = x.add(style);
    let h: Tensor;
    if (this.encoder) {
      h = this.decoder.forward(x, { memory: cond! });
    } else if (cond) {
      const s = cond.size(1);
      h = this.decoder.forward(cat([cond, x], 1)).narrow(1, s, x.size(1));
    } else {
      h = this.decoder.forward(x);
    }
    const logits = this.acoustic.logits(h);
    const { loss, accuracy, levelAccuracy } = this.acoustic.loss(logits, targets);
    return { logits, loss, accuracy, levelAccuracy };
  }

  /**
   * Samples coarse codes: int64 [B x candidates, numLevels, numFrames] (new frames only, after the prompt).
   */
  generate(c: Stage2Conditions, o: Stage2GenerateOptions = {}): Tensor {
    const batch = c.semantic.size(0);
    const n = o.candidates ?? 1;
    const promptFrames = o.prompt?.size(2) ?? 0;
    const numFrames = o.numFrames ?? c.semantic.size(1) * acousticPerSemantic - promptFrames;
    const total = promptFrames + numFrames;
    if (numFrames < 1) throw new V2meowError('BAD_ARGUMENT', `stage 2: no frames to generate (${numFrames})`);
    if (total > this.config.maxFrames) {
      throw new V2meowError(
        'BAD_ARGUMENT',
        `stage 2 runs at most ${this.config.maxFrames} frames per call, asked ${total}`,
      );
    }
    this.checkShapes(c, total);
    const sampler = Sampler.from(o, this.config.temperature);
    const wasTraining = this.training;
    this.eval();
    try {
      return withState(o, batch * n, (state) =>
        noGrad(() => tidy(() => this.sample(c, batch, n, promptFrames, numFrames, sampler, state, o))),
      );
    } finally {
      this.train(wasTraining);
    }
  }

  private sample(
    c: Stage2Conditions,
    batch: number,
    n: number,
    promptFrames: number,
    numFrames: number,
    sampler: Sampler,
    state: GenerationState,
    o: Stage2GenerateOptions,
  ): Tensor {
    const rows = batch * n;
    const semanticLength = Math.ceil((promptFrames + numFrames) / acousticPerSemantic);
    const window: Stage2Conditions = { ...c, semantic: c.semantic.narrow(1, 0, semanticLength) };
    let cond = this.semanticEmbed
      ? repeatRows(this.condition(window, batch), n)
      : tensor(new Float32Array(0), [rows, 0, this.config.dModel]);
    const drop = o.guidanceDrop ?? 'all';
    const none = Array<boolean>(batch).fill(false);
    // the unconditional rows drop the video (encoderDecoder) and/or the style (styleInput), as `drop` says
    const unconditional: Stage2Conditions = {
      ...window,
      ...(drop !== 'style' ? { videoPresent: none } : {}),
      ...(drop !== 'video' ? { stylePresent: none } : {}),
    };
    if (sampler.guided) {
      if (!this.guides(drop))
        throw new V2meowError(
          'BAD_ARGUMENT',
          `stage 2 has no condition that guidance dropping '${drop}' drops`,
        );
      const u = this.semanticEmbed
        ? this.condition(unconditional, batch)
        : tensor(new Float32Array(0), [batch, 0, this.config.dModel]);
      cond = cat([cond, repeatRows(u, n)], 0);
    }
    const styleOwn = this.styleEmbedding(window, batch);
    const style = styleOwn
      ? sampler.guided
        ? cat([repeatRows(styleOwn, n), repeatRows(this.styleEmbedding(unconditional, batch)!, n)], 0)
        : repeatRows(styleOwn, n)
      : null;
    const steps = this.acoustic.steps(numFrames);
    // positions fed: BOS + the prompt's steps in the first call, then one per step
    const promptSteps = this.acoustic.steps(promptFrames);
    let run: (x: Tensor) => Tensor;
    if (this.encoder) {
      const cache = state.open(
        new nn.DecoderCache(this.config.numDecoderLayers, promptSteps + steps + 2, cond.size(1)),
      );
      run = (x) => this.decoder.forward(x, { memory: cond, cache });
    } else {
      const prefix = this.prefixed ? cond.size(1) : 0;
      const cache = state.open(
        new nn.DecoderCache(this.config.numDecoderLayers, prefix + promptSteps + steps + 2),
      );
      let first = true;
      run = (x) => {
        const input = first && prefix ? cat([cond, x], 1) : x;
        first = false;
        return this.decoder.forward(input, { cache });
      };
    }
    if (style) {
      const inner = run;
      run = (x) => inner(x.add(style));
    }
    if (this.alignedEmbed) {
      // the aligned embeddings of each fed position (the guided rows repeat the conditional ones)
      const ids = repeatRows(asIds(window.semantic), n);
      const semantic = sampler.guided ? cat([ids, ids], 0) : ids;
      const inner = run;
      let position = 0;
      run = (x) => {
        const first = position;
        position += x.size(1);
        return inner(this.withAligned(x, semantic, first));
      };
    }
    const prompt = o.prompt
      ? codesOf(repeatRows(asIds(o.prompt).narrow(1, 0, this.config.numLevels), n))
      : null;
    const codes = this.acoustic.decode(run, rows, prompt, promptFrames, numFrames, sampler, state, o.onStep);
    return codesTensor(codes, rows, this.config.numLevels, numFrames);
  }
}
