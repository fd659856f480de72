// What the three stages share: the Transformer sizes, ids and defaults every stage config carries, the
// condition adaptors (each feature stream through its own adaptor to the model width, held onto one timeline
// and summed, with learned "absent" embeddings for dropped conditions: V2Meow section 3's multi-stream visual
// encoder), and small tensor helpers.
import { V2meowError } from '../errors.js';
import { committedSemanticTokenizer } from '../tokens/semantic.js';
import { arange, cat, type Tensor, tensor, where } from '../torch/index.js';
import * as nn from '../torch/nn/index.js';

/** Sizes of a stage's Transformer stacks. */
export interface TransformerSizes {
  /** Model width. */
  readonly dModel: number;
  /** Attention heads. */
  readonly numHeads: number;
  /** Encoder layers (0 for decoder-only stages and the masked stage 3, which has one bidirectional stack). */
  readonly numEncoderLayers: number;
  /** Decoder (or the single stack's) layers. */
  readonly numDecoderLayers: number;
  /** Feed-forward hidden width. */
  readonly dFeedForward: number;
  /** Dropout on attention weights and residual branches during training. */
  readonly dropout: number;
  /** T5 relative position buckets. */
  readonly relativeBuckets: number;
  /** Distance at which the relative buckets saturate, in positions. */
  readonly relativeMaxDistance: number;
}

/** The ids and sizes a bundle checks its stages against (config travels with weights). */
export interface StageIds {
  /** Format of the stage's own config and weights; bumped when either changes meaning. */
  readonly version: number;
  /** The acoustic codec whose tokens the stage reads or writes (AudioCodec.id). */
  readonly codecId: string;
  /** The semantic tokenizer whose tokens the stage reads or writes (SemanticTokenizer.id). */
  readonly semanticTokenizerId: string;
}

/** What every stage's config has beside its own fields. */
export interface StageConfigBase extends TransformerSizes, StageIds {
  /** Default sampling temperature. */
  readonly temperature: number;
}

/** One feature stream a stage reads (src/features/streams.ts). */
export interface StreamSpec {
  /** Stream name: 'curves', 'semantic', 'motion', 'pose', 'tokens'. */
  readonly name: string;
  /** 'dense': a Linear adaptor; 'tokens': an Embedding averaged over the frame's `dim` ids. */
  readonly kind: 'dense' | 'tokens';
  /** Values per frame. */
  readonly dim: number;
  /** Frames per second of the stream as given to the model. */
  readonly rateHz: number;
  /** Distinct ids of a 'tokens' stream. */
  readonly vocabularySize?: number;
}

export const sizePresets = {
  debug: {
    dModel: 32,
    numHeads: 2,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
    dFeedForward: 64,
    dropout: 0,
    relativeBuckets: 32,
    relativeMaxDistance: 128,
  },
  small: {
    dModel: 256,
    numHeads: 4,
    numEncoderLayers: 4,
    numDecoderLayers: 6,
    dFeedForward: 1024,
    dropout: 0.1,
    relativeBuckets: 32,
    relativeMaxDistance: 256,
  },
  paper: {
    dModel: 1024,
    numHeads: 16,
    numEncoderLayers: 12,
    numDecoderLayers: 12,
    dFeedForward: 4096,
    dropout: 0.1,
    relativeBuckets: 32,
    relativeMaxDistance: 256,
  },
} as const satisfies Record<string, TransformerSizes>;

export type PresetName = keyof typeof sizePresets;
export const presetNames = Object.keys(sizePresets) as PresetName[];

/** Id of the committed codec (src/codec/soundstream.ts): the stages read and write its tokens by default. */
export const defaultCodecId = 'v2meow-soundstream-16k';

/**
 * The first fields of a stage's default config, in the order its model file stores them: the preset's sizes,
 * the stage's version and the ids of the committed codec and semantic tokenizer. oneStack: the stage runs one
 * stack (decoder-only stage 2, masked stage 3), which gets the encoder's layers too.
 */
export function stageConfigStart(
  preset: PresetName,
  version: number,
  oneStack = false,
): TransformerSizes & StageIds {
  const sizes = sizePresets[preset];
  return {
    ...sizes,
    numEncoderLayers: oneStack ? 0 : sizes.numEncoderLayers,
    numDecoderLayers: oneStack
      ? Math.max(sizes.numDecoderLayers, sizes.numEncoderLayers)
      : sizes.numDecoderLayers,
    version,
    codecId: defaultCodecId,
    semanticTokenizerId: committedSemanticTokenizer.id,
  };
}

/** The nn.TransformerConfig of one stack. */
export function stackConfig(s: TransformerSizes, numLayers: number): nn.TransformerConfig {
  return {
    dModel: s.dModel,
    numHeads: s.numHeads,
    numLayers,
    dFeedForward: s.dFeedForward,
    dropout: s.dropout,
    relativeBuckets: s.relativeBuckets,
    relativeMaxDistance: s.relativeMaxDistance,
  };
}

/** Integer ids as int64 (the training-set reader yields int32). */
export function asIds(t: Tensor): Tensor {
  return t.dtype === 'int64' ? t : t.long();
}

/** Share of positions where argmax(logits [..., V]) equals targets [...] (targets equal to `ignore` skipped). */
export function accuracyOf(logits: Tensor, targets: Tensor, ignore = -100): number {
  const valid = targets.ne(ignore);
  const count = valid.sum().item();
  if (count === 0) return 0;
  return logits.argmax(-1).eq(targets).logicalAnd(valid).sum().item() / count;
}

/** Rows [B] chosen by a boolean per row, as a [B, 1, 1] mask for where(). */
export function rowMask(rows: readonly boolean[]): Tensor {
  return tensor(
    Uint8Array.from(rows, (r) => (r ? 1 : 0)),
    [rows.length, 1, 1],
    { dtype: 'bool' },
  );
}

/** Indices of frames at `toRateHz` holding the frame of a `fromRateHz` stream shown then (resampleStream). */
export function holdIndices(
  fromRateHz: number,
  fromFrames: number,
  toRateHz: number,
  toFrames: number,
): Tensor {
  const ids = new Int32Array(toFrames);
  for (let k = 0; k < toFrames; k++) {
    ids[k] = Math.max(0, Math.min(fromFrames - 1, Math.floor(((k + 1e-6) * fromRateHz) / toRateHz)));
  }
  return tensor(ids, [toFrames], { dtype: 'int64' });
}

/** Rows repeated for candidates: row b -> rows b x n .. b x n + n - 1. */
export function repeatRows(x: Tensor, n: number): Tensor {
  if (n === 1) return x;
  const b = x.size(0);
  return x.indexSelect(
    0,
    arange(0, b, 1)
      .unsqueeze(1)
      .expand([b, n])
      .reshape([b * n]),
  );
}

/** Condition streams of a batch, with which rows hold each condition. */
export interface StreamInputs {
  /**
   * Per stream name: [B, frames, dim] at the stream's configured rate (ids of 'tokens' streams as numbers).
   * A configured stream missing here is absent in every row.
   */
  readonly streams?: Readonly<Record<string, Tensor>>;
  /** Per stream name, the rows that hold it (default: all rows of a given stream). */
  readonly present?: Readonly<Record<string, readonly boolean[]>>;
  /**
   * Rows whose video condition is kept (default all). The video condition is every configured stream together
   * (visual streams and the rhythm curves); a dropped row sees only the learned 'absent video' embedding.
   */
  readonly videoPresent?: readonly boolean[];
}

/**
 * The stream adaptors: each configured stream through its own adaptor (Linear, or Embedding + mean over the
 * frame's ids) to the model width, held onto a common timeline, summed. A stream missing in a row gets its own
 * learned 'absent' vector; a row whose video condition is dropped gets the 'absent video' vector instead of
 * the whole sum (one model then also runs unconditioned: classifier-free guidance, the paper's ablations).
 */
export class StreamAdaptors extends nn.Module {
  readonly dense = new Map<string, nn.Linear>();
  readonly embeddings = new Map<string, nn.Embedding>();
  readonly absent: Tensor;
  readonly absentVideo: Tensor;

  constructor(
    readonly specs: readonly StreamSpec[],
    readonly dModel: number,
  ) {
    super();
    for (const s of specs) {
      if (s.kind === 'tokens') {
        if (!s.vocabularySize)
          throw new V2meowError('BAD_ARGUMENT', `token stream '${s.name}' needs vocabularySize`);
        this.embeddings.set(
          s.name,
          this.child(`embed_${s.name}`, new nn.Embedding(s.vocabularySize, dModel, 0.02)),
        );
      } else {
        this.dense.set(s.name, this.child(`linear_${s.name}`, new nn.Linear(s.dim, dModel)));
      }
    }
    this.absent = this.param('absent', nn.normal([Math.max(1, specs.length), dModel], 0.02));
    this.absentVideo = this.param('absentVideo', nn.normal([dModel], 0.02));
  }

  /** Streams [B, frames_s, dim_s] -> summed adaptor outputs [B, numFrames, D] at `rateHz`. */
  forward(input: StreamInputs, batch: number, rateHz: number, numFrames: number): Tensor {
    let sum: Tensor | null = null;
    this.specs.forEach((spec, k) => {
      const absent = this.absent.select(0, k).reshape([1, 1, this.dModel]);
      const x = input.streams?.[spec.name];
      let y: Tensor;
      if (!x) {
        y = absent.expand([batch, numFrames, this.dModel]);
      } else {
        if (x.size(0) !== batch || x.size(2) !== spec.dim) {
          throw new V2meowError(
            'SHAPE_MISMATCH',
            `stream '${spec.name}' is [${x.shape}], expected [${batch}, frames, ${spec.dim}]`,
          );
        }
        const held = x.indexSelect(1, holdIndices(spec.rateHz, x.size(1), rateHz, numFrames));
        y =
          spec.kind === 'tokens'
            ? this.embeddings.get(spec.name)!.forward(held.long()).mean(2)
            : this.dense.get(spec.name)!.forward(held.float());
        const rows = input.present?.[spec.name];
        if (rows) y = where(rowMask(rows), y, absent);
      }
      sum = sum ? sum.add(y) : y;
    });
    let out: Tensor =
      sum ?? this.absentVideo.reshape([1, 1, this.dModel]).expand([batch, numFrames, this.dModel]);
    if (input.videoPresent)
      out = where(rowMask(input.videoPresent), out, this.absentVideo.reshape([1, 1, this.dModel]));
    return out;
  }
}

/** Rows of a StreamInputs repeated for candidates (and the unconditional copies of guidance). */
export function repeatStreamInputs(input: StreamInputs, n: number): StreamInputs {
  const rep = <T>(rows: readonly T[] | undefined) => rows?.flatMap((r) => Array<T>(n).fill(r));
  return {
    streams: input.streams
      ? Object.fromEntries(Object.entries(input.streams).map(([k, v]) => [k, repeatRows(v, n)]))
      : undefined,
    present: input.present
      ? Object.fromEntries(Object.entries(input.present).map(([k, v]) => [k, rep(v)!]))
      : undefined,
    videoPresent: rep(input.videoPresent),
  };
}

/** Rows dropped by training dropout: each row independently with probability p (seeded by manualSeed). */
export function dropRows(
  batch: number,
  p: number,
  keep: readonly boolean[] | undefined,
  draw: () => number,
): boolean[] {
  return Array.from({ length: batch }, (_, b) => (keep ? keep[b]! : true) && !(p > 0 && draw() < p));
}

/** Concatenates along dim 1 (time). */
export function catTime(parts: readonly Tensor[]): Tensor {
  return parts.length === 1 ? parts[0]! : cat(parts, 1);
}

/**
 * The streams of a window that starts `startSec` (< 0 allowed) into the conditions' timeline: a window that
 * begins before the timeline (a prompt's tokens come first) gets the first frame repeated over the time before
 * it, so each token of the window still reads the frames of its own time (aligned conditioning).
 */
export function windowStreamInputs(
  input: StreamInputs,
  specs: readonly StreamSpec[],
  startSec: number,
  seconds: number,
): StreamInputs {
  if (startSec >= 0 || !input.streams) return sliceStreamInputs(input, specs, Math.max(0, startSec), seconds);
  const inside = sliceStreamInputs(input, specs, 0, Math.max(1e-6, seconds + startSec));
  const streams: Record<string, Tensor> = {};
  for (const [name, x] of Object.entries(inside.streams ?? {})) {
    const spec = specs.find((s) => s.name === name)!;
    const pad = Math.round(-startSec * spec.rateHz);
    streams[name] = pad > 0 ? cat([x.narrow(1, 0, 1).expand([x.size(0), pad, x.size(2)]), x], 1) : x;
  }
  return { ...inside, streams };
}

/**
 * The part of each stream covering [startSec, startSec + seconds) (whole frames of its own rate, at least
 * one), for running a stage window by window; frames past a stream's end are held by the adaptors.
 */
export function sliceStreamInputs(
  input: StreamInputs,
  specs: readonly StreamSpec[],
  startSec: number,
  seconds: number,
): StreamInputs {
  if (!input.streams) return input;
  const streams: Record<string, Tensor> = {};
  for (const [name, x] of Object.entries(input.streams)) {
    const spec = specs.find((s) => s.name === name);
    if (!spec) continue;
    const frames = x.size(1);
    const first = Math.min(frames - 1, Math.max(0, Math.floor(startSec * spec.rateHz + 1e-6)));
    const count = Math.max(1, Math.min(frames - first, Math.ceil(seconds * spec.rateHz - 1e-6)));
    streams[name] = x.narrow(1, first, count);
  }
  return { ...input, streams };
}
