// Stage 1 of V2Meow (section 3, "Modeling Pipeline"): visual features + one style token -> music semantic
// tokens (25 Hz). An encoder-decoder Transformer with T5 relative positions: the encoder reads the configured
// feature streams (visual streams and rhythm curves, each through its own adaptor, held onto the encoder
// timeline and summed) after one style token (a Linear of the 100-d style vector); the decoder predicts the
// semantic tokens after a BOS. Style dropout and video dropout during training (learned 'absent' embeddings)
// let one model generate with text only, video only, or neither: classifier-free guidance and the ablations.

import { styleDim } from '../encoders/clipStyle.js';
import { V2meowError } from '../errors.js';
import { curveNames } from '../features/streams.js';
import { semanticRateHz } from '../features/timeline.js';
import { committedSemanticTokenizer } from '../tokens/semantic.js';
import { cat, F, full, noGrad, rand, type Tensor, tensor, tidy, where } from '../torch/index.js';
import * as nn from '../torch/nn/index.js';
import {
  accuracyOf,
  asIds,
  dropRows,
  holdIndices,
  type PresetName,
  repeatRows,
  rowMask,
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

export const stage1Kind = 'stage1';
export const stage1Version = 1;

export interface Stage1Config extends StageConfigBase {
  /** The feature streams the encoder reads (all of them form the 'video' condition). */
  readonly streams: readonly StreamSpec[];
  /** Frames per second of the encoder timeline (25 = the semantic rate, or 12.5 for half the length). */
  readonly encoderRateHz: number;
  /** Length of the style vector (src/encoders/clipStyle.ts). */
  readonly styleDim: number;
  /** Semantic token ids 0..semanticVocabularySize-1 (the decoder's BOS is the id semanticVocabularySize). */
  readonly semanticVocabularySize: number;
  /** Longest decoder sequence (prompt + new tokens) one generate() call runs, in tokens (250 = 10 s). */
  readonly maxTokens: number;
  /** Probability of dropping the style token of a training example. */
  readonly styleDropout: number;
  /** Probability of dropping the video condition (every stream) of a training example. */
  readonly videoDropout: number;
  /**
   * Also add the encoder's output at each token's own frame (through a Linear) to the decoder's input there.
   * Cross-attention has no positions, so without this the decoder can find the encoder frame of its own time
   * only from content; with it, token t sees what the video does at t (beats, cuts) directly. Absent in model
   * files made before it: false.
   */
  readonly alignedConditioning?: boolean;
  /**
   * Also add the encoder's output at the style token (through a Linear, zero at initialisation) to every
   * decoder input, so that the style reaches each step directly instead of only through cross-attention,
   * where one memory slot among the stream frames is easily ignored (docs/style.md). Absent in model files
   * made before it: false. A run started from such a file (`--init`) begins with this path at zero, i.e. with
   * the file's own function.
   */
  readonly styleToDecoder?: boolean;
}

/**
 * Default streams: every stream the visual extractor's defaults store in a training set (src/features/visual.ts,
 * docs/features.md): rhythm curves (6-d, 25 Hz), CLIP-like semantic (MobileNetV2 pool, 1280-d, 1 Hz), motion
 * (flow statistics, 16-d, 8 Hz), pose (MoveNet, 17 keypoints x (y, x, score) = 51-d, 4 Hz) and VQ tokens
 * (7x7 = 49 ids of 256 per frame, 1 Hz).
 */
export const defaultStage1Streams: readonly StreamSpec[] = [
  { name: 'curves', kind: 'dense', dim: curveNames.length, rateHz: semanticRateHz },
  { name: 'semantic', kind: 'dense', dim: 1280, rateHz: 1 },
  { name: 'motion', kind: 'dense', dim: 16, rateHz: 8 }, // motionStreamDim of visual.ts (not imported: it loads the encoders)
  { name: 'pose', kind: 'dense', dim: 51, rateHz: 4 }, // poseStreamDim of visual.ts
  { name: 'tokens', kind: 'tokens', dim: 49, vocabularySize: 256, rateHz: 1 },
];

/** A preset config; `overrides` replace fields (streams, ids, rates). */
export function stage1Config(preset: PresetName, overrides: Partial<Stage1Config> = {}): Stage1Config {
  return {
    ...stageConfigStart(preset, stage1Version),
    streams: defaultStage1Streams,
    encoderRateHz: semanticRateHz,
    styleDim,
    semanticVocabularySize: committedSemanticTokenizer.vocabularySize,
    maxTokens: 250,
    styleDropout: 0.1,
    videoDropout: 0.1,
    temperature: defaultTemperatures.stage1,
    alignedConditioning: true,
    styleToDecoder: false,
    ...overrides,
  };
}

/** What stage 1 is conditioned on (B rows). */
export interface Stage1Conditions extends StreamInputs {
  /** Style vectors [B, styleDim], or null: absent in every row. */
  readonly style?: Tensor | null;
  /** Rows whose style token is kept (default all rows, when style is given). */
  readonly stylePresent?: readonly boolean[];
}

/** A training batch: the conditions and the true semantic tokens. */
export interface Stage1Batch extends Stage1Conditions {
  /** Semantic tokens [B, S] (int32 or int64) at 25 Hz. */
  readonly semantic: Tensor;
}

/** What forward() returns (one object whatever the stage). */
export interface StageOutput {
  /** Logits of every predicted position (stage-specific shape, see each forward()). */
  readonly logits: Tensor;
  /** Mean cross-entropy (nats) over the predicted positions. */
  readonly loss: Tensor;
  /** Share of positions whose argmax is the target. */
  readonly accuracy: number;
  /** Accuracy per RVQ level (acoustic stages). */
  readonly levelAccuracy?: number[];
}

/** Which conditions the unconditional rows of guidance drop. */
export type GuidanceDrop = 'style' | 'video' | 'all';

export interface Stage1GenerateOptions extends GenerateOptions {
  /** New semantic tokens per row. */
  readonly numTokens: number;
  /** Tokens to continue from [B, P] (each candidate continues its row's prompt). */
  readonly prompt?: Tensor | null;
  /** Conditions the unconditional rows drop when guidanceScale is set (default 'all'). */
  readonly guidanceDrop?: GuidanceDrop;
}

export class Stage1 extends nn.Module {
  readonly kind = stage1Kind;
  readonly adaptors: StreamAdaptors;
  readonly styleProjection: nn.Linear;
  readonly absentStyle: Tensor;
  readonly encoder: nn.TransformerStack;
  readonly embed: nn.Embedding;
  readonly decoder: nn.TransformerStack;
  readonly head: nn.Linear;
  /** The encoder frame -> decoder input projection (config.alignedConditioning). */
  readonly align: nn.Linear | null;
  /** The encoded style token -> every decoder input (config.styleToDecoder). */
  readonly styleToDecoder: nn.Linear | null;

  constructor(readonly config: Stage1Config) {
    super();
    const d = config.dModel;
    this.adaptors = this.child('adaptors', new StreamAdaptors(config.streams, d));
    this.styleProjection = this.child('styleProjection', new nn.Linear(config.styleDim, d));
    this.absentStyle = this.param('absentStyle', nn.normal([d], 0.02));
    this.encoder = this.child(
      'encoder',
      new nn.TransformerStack(stackConfig(config, config.numEncoderLayers), false, false),
    );
    this.embed = this.child('embed', new nn.Embedding(config.semanticVocabularySize + 1, d, 0.02));
    this.decoder = this.child(
      'decoder',
      new nn.TransformerStack(stackConfig(config, config.numDecoderLayers), true, true),
    );
    this.head = this.child('head', new nn.Linear(d, config.semanticVocabularySize));
    this.align = config.alignedConditioning ? this.child('align', new nn.Linear(d, d)) : null;
    this.styleToDecoder = config.styleToDecoder ? this.child('styleToDecoder', new nn.Linear(d, d)) : null;
    if (this.styleToDecoder)
      noGrad(() => {
        this.styleToDecoder!.weight.fill_(0);
        this.styleToDecoder!.bias?.fill_(0);
      });
  }

  /**
   * Decoder inputs [B, L, D] of token ids [B, L] at decoder positions first..first+L-1, plus (aligned
   * conditioning) the encoder output of each position's own frame: position t predicts token t, which covers
   * the encoder frame shown at t / 25 s. memory: [B, 1 + frames, D] (the style token first).
   */
  decoderInputs(ids: Tensor, memory: Tensor, first: number): Tensor {
    let x = this.embed.forward(ids);
    if (this.align) {
      const frames = memory.size(1) - 1;
      const index = holdIndices(this.config.encoderRateHz, frames, semanticRateHz, first + ids.size(1));
      const own = memory.narrow(1, 1, frames).indexSelect(1, index.narrow(0, first, ids.size(1)));
      x = x.add(this.align.forward(own));
    }
    if (this.styleToDecoder) x = x.add(this.styleToDecoder.forward(memory.narrow(1, 0, 1)));
    return x;
  }

  /** Parameters that a model file made before config.styleToDecoder lacks (they start at zero on --init). */
  static newParameters(config: Stage1Config): (name: string) => boolean {
    return (name) => !!config.styleToDecoder && name.startsWith('styleToDecoder.');
  }

  /** BOS id of the decoder. */
  get bos(): number {
    return this.config.semanticVocabularySize;
  }

  /** Encoder frames for `numTokens` semantic tokens. */
  encoderFrames(numTokens: number): number {
    return Math.max(1, Math.ceil((numTokens * this.config.encoderRateHz) / semanticRateHz - 1e-9));
  }

  /** Conditions (B rows) -> encoder output [B, 1 + frames, D]: the style token, then the stream timeline. */
  encode(c: Stage1Conditions, batch: number, numTokens: number): Tensor {
    const d = this.config.dModel;
    const frames = this.adaptors.forward(c, batch, this.config.encoderRateHz, this.encoderFrames(numTokens));
    const absent = this.absentStyle.reshape([1, 1, d]);
    let style: Tensor;
    if (c.style) {
      if (c.style.size(0) !== batch || c.style.size(1) !== this.config.styleDim) {
        throw new V2meowError(
          'SHAPE_MISMATCH',
          `style is [${c.style.shape}], expected [${batch}, ${this.config.styleDim}]`,
        );
      }
      style = this.styleProjection.forward(c.style.float()).unsqueeze(1);
      if (c.stylePresent) style = where(rowMask(c.stylePresent), style, absent);
    } else {
      style = absent.expand([batch, 1, d]);
    }
    return this.encoder.forward(cat([style, frames], 1));
  }

  /** The conditions with training dropout applied (style and video independently). */
  private dropConditions(c: Stage1Conditions, batch: number): Stage1Conditions {
    if (!this.training) return c;
    const draws = rand([2 * batch]).toFloat32Array();
    let k = 0;
    const draw = () => draws[k++]!;
    return {
      ...c,
      stylePresent: dropRows(batch, this.config.styleDropout, c.stylePresent, draw),
      videoPresent: dropRows(batch, this.config.videoDropout, c.videoPresent, draw),
    };
  }

  /** Teacher-forced: logits [B, S, V] of semantic tokens [B, S]; loss and accuracy against them. */
  forward(batch: Stage1Batch): StageOutput {
    const target = asIds(batch.semantic);
    const [b, s] = target.shape as [number, number];
    const memory = this.encode(this.dropConditions(batch, b), b, s);
    const inputs = cat([full([b, 1], this.bos, { dtype: 'int64' }), target.narrow(1, 0, s - 1)], 1);
    const logits = this.head.forward(this.decoder.forward(this.decoderInputs(inputs, memory, 0), { memory }));
    const loss = F.crossEntropy(logits.transpose(1, 2), target);
    return { logits, loss, accuracy: noGrad(() => accuracyOf(logits, target)) };
  }

  /** Conditions with the guidance drop applied to every row. */
  private unconditional(c: Stage1Conditions, batch: number, drop: GuidanceDrop): Stage1Conditions {
    const none = Array<boolean>(batch).fill(false);
    return {
      ...c,
      stylePresent: drop === 'video' ? c.stylePresent : none,
      videoPresent: drop === 'style' ? c.videoPresent : none,
    };
  }

  /**
   * Samples `numTokens` semantic tokens per condition row and candidate, continuing `prompt` when given.
   * Returns int64 [B x candidates, numTokens] (candidate c of row b at row b x candidates + c).
   */
  generate(c: Stage1Conditions, o: Stage1GenerateOptions): Tensor {
    const batch = conditionRows(c);
    const n = o.candidates ?? 1;
    const sampler = Sampler.from(o, this.config.temperature);
    const promptLength = o.prompt?.size(1) ?? 0;
    const total = promptLength + o.numTokens;
    if (total > this.config.maxTokens) {
      throw new V2meowError(
        'BAD_ARGUMENT',
        `stage 1 runs at most ${this.config.maxTokens} tokens per call, asked ${total}`,
      );
    }
    const wasTraining = this.training;
    this.eval();
    try {
      return withState(o, batch * n, (state) =>
        noGrad(() => tidy(() => this.sampleTokens(c, batch, n, total, sampler, state, o))),
      );
    } finally {
      this.train(wasTraining);
    }
  }

  private sampleTokens(
    c: Stage1Conditions,
    batch: number,
    n: number,
    total: number,
    sampler: Sampler,
    state: GenerationState,
    o: Stage1GenerateOptions,
  ): Tensor {
    const rows = batch * n;
    let memory = repeatRows(this.encode(c, batch, total), n);
    if (sampler.guided) {
      const u = this.encode(this.unconditional(c, batch, o.guidanceDrop ?? 'all'), batch, total);
      memory = cat([memory, repeatRows(u, n)], 0);
    }
    const modelRows = memory.size(0);
    const cache = state.open(new nn.DecoderCache(this.config.numDecoderLayers, total + 1, memory.size(1)));
    // the first step reads BOS and the whole prompt at once
    let inputs = full([rows, 1], this.bos, { dtype: 'int64' });
    if (o.prompt) inputs = cat([inputs, repeatRows(asIds(o.prompt), n)], 1);
    if (sampler.guided) inputs = cat([inputs, inputs], 0);
    const out = new Int32Array(rows * o.numTokens);
    let position = 0; // decoder position of the next input
    for (let step = 0; step < o.numTokens; step++) {
      const first = position;
      position += inputs.size(1);
      const ids = tidy(() => {
        const h = this.decoder.forward(this.decoderInputs(inputs, memory, first), { memory, cache });
        const logits = this.head.forward(h.select(1, h.size(1) - 1));
        return sampler.sample(logits, state.generators).ids;
      });
      for (let r = 0; r < rows; r++) out[r * o.numTokens + step] = ids[r]!;
      inputs.dispose();
      const next = tensor(sampler.guided ? concatTwice(ids) : ids, [modelRows, 1], { dtype: 'int64' });
      inputs = next;
      state.steps++;
      o.onStep?.(step + 1, o.numTokens);
    }
    return tensor(out, [rows, o.numTokens], { dtype: 'int64' });
  }
}

/** Rows of a conditions object (from whichever tensor or row list it holds). */
export function conditionRows(c: Stage1Conditions & { semantic?: Tensor }): number {
  const fromTensors = [c.style, c.semantic, ...Object.values(c.streams ?? {})].find((t) => t);
  const n =
    fromTensors?.size(0) ??
    c.videoPresent?.length ??
    c.stylePresent?.length ??
    Object.values(c.present ?? {})[0]?.length;
  if (!n)
    throw new V2meowError('BAD_ARGUMENT', 'conditions hold no rows (give style, streams or videoPresent)');
  return n;
}

/** [ids, ids]: the sampled tokens fed to both the conditional and unconditional rows. */
export function concatTwice(ids: Int32Array): Int32Array {
  const out = new Int32Array(ids.length * 2);
  out.set(ids);
  out.set(ids, ids.length);
  return out;
}

/** Parameters of a config, without keeping the model. */
export function stage1Parameters(config: Stage1Config): number {
  const m = new Stage1(config);
  const n = m.numParameters();
  m.dispose();
  return n;
}
