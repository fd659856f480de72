// The autoregressive acoustic-token decoder that stage 2 (semantic -> coarse) and the flattened stage 3
// (coarse -> fine) share: embeddings in, logits out, teacher-forced targets and the decoding loop, in either
// token layout of layouts.ts:
//   flattened (AudioLM): one step per token; one vocabulary of levels x codebookSize ids (level k offset by
//     k x codebookSize) plus BOS; one head; sampling is restricted to the level of the step;
//   delay (MusicGen): one step per frame; a step's input is the sum of one embedding per level (codes, pad,
//     BOS); one head per level; level k is k frames late.
// The Transformer stack is the stage's own: run() is a closure over its prefix, memory and cache.
import { cat, F, noGrad, type Tensor, tensor, tidy } from '../torch/index.js';
import * as nn from '../torch/nn/index.js';
import {
  batchRows,
  concatRows,
  delayFrame,
  delayPattern,
  delaySteps,
  flattenedSteps,
  flattenFrames,
} from './layouts.js';
import type { GenerationState, Sampler } from './sampling.js';

export type AcousticLayout = 'flattened' | 'delay';
export const acousticLayouts: readonly AcousticLayout[] = ['flattened', 'delay'];

/** Teacher-forced inputs and targets of a batch. */
export interface AcousticTeacher {
  /** Input ids: [B, L] (flattened) or [B, L, K] (delay), already offset into the embedding table. */
  readonly inputs: Tensor;
  /** Targets: [B, L] offset ids (flattened) or [B, L, K] codes with -100 at pads (delay). */
  readonly targets: Tensor;
}

/** Loss and accuracies of one batch. */
export interface AcousticLoss {
  readonly loss: Tensor;
  readonly accuracy: number;
  readonly levelAccuracy: number[];
}

export class AcousticDecoder extends nn.Module {
  readonly embed: nn.Embedding;
  readonly head: nn.Linear;

  constructor(
    readonly layout: AcousticLayout,
    readonly numLevels: number,
    readonly codebookSize: number,
    readonly dModel: number,
  ) {
    super();
    const rows = layout === 'flattened' ? numLevels * codebookSize + 1 : numLevels * (codebookSize + 2);
    this.embed = this.child('embed', new nn.Embedding(rows, dModel, 0.02));
    this.head = this.child('head', new nn.Linear(dModel, numLevels * codebookSize));
  }

  /** Flattened: the BOS id. Delay: the pad code (BOS is pad + 1). */
  get bos(): number {
    return this.layout === 'flattened' ? this.numLevels * this.codebookSize : this.codebookSize + 1;
  }
  get pad(): number {
    return this.codebookSize;
  }

  /** Decoding steps for `numFrames` frames. */
  steps(numFrames: number): number {
    return this.layout === 'flattened'
      ? flattenedSteps(this.numLevels, numFrames)
      : delaySteps(this.numLevels, numFrames);
  }

  /** Codes int [B, >= K, T] (the first K levels are used) -> teacher-forced inputs and targets. */
  teacher(codes: Tensor): AcousticTeacher {
    const [b, , t] = codes.shape as [number, number, number];
    const k = this.numLevels;
    const data = Int32Array.from(codes.narrow(1, 0, k).contiguous().toArray());
    const rows = batchRows(data, b, k, t);
    if (this.layout === 'flattened') {
      const flat = concatRows(rows.map((r) => flattenFrames(r, this.codebookSize)));
      const l = k * t;
      const inputs = new Int32Array(b * l);
      for (let r = 0; r < b; r++) {
        inputs[r * l] = this.bos;
        inputs.set(flat.subarray(r * l, (r + 1) * l - 1), r * l + 1);
      }
      return {
        inputs: tensor(inputs, [b, l], { dtype: 'int64' }),
        targets: tensor(flat, [b, l], { dtype: 'int64' }),
      };
    }
    const l = delaySteps(k, t);
    const inputs = new Int32Array(b * l * k);
    const targets = new Int32Array(b * l * k);
    rows.forEach((row, r) => {
      const delayed = delayPattern(row, this.pad);
      for (let step = 0; step < l; step++) {
        for (let level = 0; level < k; level++) {
          const at = (r * l + step) * k + level;
          const previous = step === 0 ? this.bos : delayed[level * l + step - 1]!;
          inputs[at] = level * (this.codebookSize + 2) + previous;
          const code = delayed[level * l + step]!;
          targets[at] = code === this.pad ? -100 : code;
        }
      }
    });
    return {
      inputs: tensor(inputs, [b, l, k], { dtype: 'int64' }),
      targets: tensor(targets, [b, l, k], { dtype: 'int64' }),
    };
  }

  /** Input ids [B, L] or [B, L, K] -> [B, L, D]. */
  embedInputs(ids: Tensor): Tensor {
    const e = this.embed.forward(ids);
    return this.layout === 'flattened' ? e : e.sum(2);
  }

  /** Hidden [..., D] -> logits [..., K x C] (flattened) or [..., K, C] (delay). */
  logits(h: Tensor): Tensor {
    const y = this.head.forward(h);
    if (this.layout === 'flattened') return y;
    return y.reshape([...h.shape.slice(0, -1), this.numLevels, this.codebookSize]);
  }

  /** Cross-entropy and accuracies of logits() against teacher().targets. */
  loss(logits: Tensor, targets: Tensor): AcousticLoss {
    const v = logits.size(-1);
    const loss = F.crossEntropy(logits.reshape([-1, v]), targets.reshape([-1]));
    const { accuracy, levelAccuracy } = noGrad(() =>
      tidy(() => {
        const hits = logits.argmax(-1).eq(targets);
        const valid = targets.ne(-100);
        const k = this.numLevels;
        // per level: flattened position i is level i % K; delay has the level as the last dim
        const byLevel = (t: Tensor) =>
          (this.layout === 'flattened' ? t.reshape([t.size(0), -1, k]) : t).float().sum([0, 1]).toArray();
        const h = byLevel(hits.logicalAnd(valid));
        const n = byLevel(valid);
        const total = n.reduce((a, x) => a + x, 0);
        return {
          accuracy: total ? h.reduce((a, x) => a + x, 0) / total : 0,
          levelAccuracy: h.map((x, i) => (n[i] ? x / n[i]! : 0)),
        };
      }),
    );
    return { loss, accuracy, levelAccuracy };
  }

  /** Input ids of the first decoding call: BOS, then the prompt's frames [R, K, P] (int32 data, level-major). */
  startIds(rows: number, prompt: Int32Array | null, promptFrames: number): Tensor {
    const k = this.numLevels;
    if (this.layout === 'flattened') {
      const l = 1 + k * promptFrames;
      const ids = new Int32Array(rows * l);
      for (let r = 0; r < rows; r++) {
        ids[r * l] = this.bos;
        if (prompt && promptFrames > 0) {
          const flat = flattenFrames(
            {
              numLevels: k,
              numFrames: promptFrames,
              data: prompt.subarray(r * k * promptFrames, (r + 1) * k * promptFrames),
            },
            this.codebookSize,
          );
          ids.set(flat, r * l + 1);
        }
      }
      return tensor(ids, [rows, l], { dtype: 'int64' });
    }
    // delay: inputs BOS, columns 0 .. P-1 (each fully known: prompt codes or pads)
    const l = 1 + promptFrames;
    const ids = new Int32Array(rows * l * k);
    for (let r = 0; r < rows; r++) {
      for (let step = 0; step < l; step++) {
        for (let level = 0; level < k; level++) {
          let code = this.bos;
          if (step > 0) {
            const frame = step - 1 - level;
            code = frame >= 0 && prompt ? prompt[(r * k + level) * promptFrames + frame]! : this.pad;
          }
          ids[(r * l + step) * k + level] = level * (this.codebookSize + 2) + code;
        }
      }
    }
    return tensor(ids, [rows, l, k], { dtype: 'int64' });
  }

  /**
   * Samples `numFrames` new frames after `promptFrames` prompt frames. run(embedded [R', L, D]) -> hidden
   * [R', L, D] advances the stage's stack and cache (R' = 2R with guidance: the inputs are duplicated).
   * prompt: int32 [R, K, P] level-major. Returns codes int32 [R, K, numFrames].
   */
  decode(
    run: (x: Tensor) => Tensor,
    rows: number,
    prompt: Int32Array | null,
    promptFrames: number,
    numFrames: number,
    sampler: Sampler,
    state: GenerationState,
    onStep?: (done: number, total: number) => void,
  ): Int32Array {
    const k = this.numLevels;
    const c = this.codebookSize;
    const totalFrames = promptFrames + numFrames;
    const out = new Int32Array(rows * k * numFrames);
    const double = (t: Tensor) => (sampler.guided ? cat([t, t], 0) : t);
    let inputs = double(this.startIds(rows, prompt, promptFrames)).keep();
    const suppressed = sampler.levelMask(k, c)?.keep() ?? null; // [K, C]
    const steps = this.steps(numFrames);
    for (let step = 0; step < steps; step++) {
      const next = tidy(() => {
        const h = run(this.embedInputs(inputs));
        // [R', K, C] (the flattened layout's head is [R', K x C])
        let last = this.logits(h.select(1, h.size(1) - 1)).reshape([-1, k, c]);
        if (suppressed) last = last.maskedFill(suppressed, Number.NEGATIVE_INFINITY);
        if (this.layout === 'flattened') {
          const level = step % k;
          const frame = Math.floor(step / k);
          const { ids } = sampler.sample(last.select(1, level), state.generators);
          const flat = new Int32Array(rows);
          for (let r = 0; r < rows; r++) {
            out[(r * k + level) * numFrames + frame] = ids[r]!;
            flat[r] = ids[r]! + level * c;
          }
          return tensor(flat, [rows, 1], { dtype: 'int64' });
        }
        // delay: column promptFrames + step, every level at once (one generator per row, K draws)
        const column = promptFrames + step;
        const { ids } = sampler.sample(last.reshape([-1, c]), state.generators, k);
        const next = new Int32Array(rows * k);
        for (let r = 0; r < rows; r++) {
          for (let level = 0; level < k; level++) {
            const frame = delayFrame(column, level, totalFrames);
            let code = this.pad;
            if (frame >= 0 && frame < promptFrames) code = prompt![(r * k + level) * promptFrames + frame]!;
            else if (frame >= promptFrames) {
              code = ids[r * k + level]!;
              out[(r * k + level) * numFrames + frame - promptFrames] = code;
            }
            next[r * k + level] = level * (c + 2) + code;
          }
        }
        return tensor(next, [rows, 1, k], { dtype: 'int64' });
      });
      const fed = double(next);
      inputs.dispose();
      inputs = fed.keep();
      if (fed !== next) next.dispose();
      state.steps++;
      onStep?.(step + 1, steps);
    }
    inputs.dispose();
    suppressed?.dispose();
    return out;
  }
}

/** Int32 data of an int tensor [R, K, P], or null. */
export function codesOf(t: Tensor | null | undefined): Int32Array | null {
  return t ? Int32Array.from(t.contiguous().toArray()) : null;
}

/** Int32 codes [R, K, T] as an int64 tensor. */
export function codesTensor(data: Int32Array, rows: number, levels: number, frames: number): Tensor {
  return tensor(data, [rows, levels, frames], { dtype: 'int64' });
}
