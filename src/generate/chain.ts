// The token chain of V2Meow (section 3) for any length: stage 1 (conditions -> semantic tokens, 25 Hz), stage 2
// (semantic -> coarse codes, 50 Hz), stage 3 (coarse -> fine codes), each continuing in windows with
// overlapping context as AudioLM and MusicGen continue (stages 1-2: the configured 10 s windows, re-reading
// the last fifth as a prompt; stage 3: 3 s windows). All rows (candidates; guidance rows are added inside the
// stages) run as one batch. An optional prompt (tokens of a prompt audio) comes before the first window.
import { acousticPerSemantic, semanticRateHz } from '../features/timeline.js';
import { type StreamInputs, windowStreamInputs } from '../models/common.js';
import type { SamplingOptions } from '../models/sampling.js';
import type { GuidanceDrop, Stage1, Stage1Conditions } from '../models/stage1.js';
import type { Stage2 } from '../models/stage2.js';
import type { Stage3 } from '../models/stage3.js';
import { cat, type Tensor, tidy, zeros } from '../torch/index.js';
import { mixSeed } from '../util/random.js';

/** One window of a windowed stage: new frames [start, start + newFrames) after promptFrames of context. */
export interface ChainWindow {
  readonly start: number;
  readonly promptFrames: number;
  readonly newFrames: number;
}

/**
 * Runs `step` window by window over totalFrames new frames ([rows, ..., frames] along the last dim). The first
 * window reads up to overlapFrames of `initial` (frames made before, e.g. a prompt audio's), later ones the
 * last overlapFrames made. Returns exactly totalFrames frames; the caller frees the result (not `initial`).
 */
export function continueFrom(
  initial: Tensor | null,
  totalFrames: number,
  windowFrames: number,
  overlapFrames: number,
  step: (w: ChainWindow, prompt: Tensor | null) => Tensor,
): Tensor {
  if (!(overlapFrames >= 0 && overlapFrames < windowFrames))
    throw new Error(`windows of ${windowFrames} frames cannot overlap by ${overlapFrames}`);
  const parts: Tensor[] = [];
  let history: Tensor | null = initial;
  try {
    for (let start = 0; start < totalFrames; ) {
      const promptFrames = Math.min(overlapFrames, history?.size(-1) ?? 0);
      const w = {
        start,
        promptFrames,
        newFrames: Math.min(windowFrames - promptFrames, totalFrames - start),
      };
      const made = tidy(() => {
        const prompt =
          promptFrames > 0 ? history!.narrow(-1, history!.size(-1) - promptFrames, promptFrames) : null;
        const out = step(w, prompt);
        if (out.size(-1) !== w.newFrames)
          throw new Error(`window at frame ${start}: ${out.size(-1)} frames made, ${w.newFrames} asked`);
        return out;
      });
      parts.push(made.keep());
      history = made;
      start += w.newFrames;
    }
    return tidy(() => (parts.length === 1 ? parts[0]!.clone() : cat(parts, -1)));
  } finally {
    for (const p of parts) p.dispose();
  }
}

/** Progress of one stage: frames of its own rate done / total. */
export type StageProgress = (done: number, total: number) => void;

/** What the chain is conditioned on and sampled with. */
export interface ChainInput {
  /** Stage-1 conditions with `rows` rows (candidates already repeated): style and streams at their rates. */
  readonly conditions: Stage1Conditions;
  readonly rows: number;
  /** Semantic tokens to generate (25 Hz); acoustic frames are twice as many. */
  readonly numTokens: number;
  readonly seed: number;
  /** Sampling per stage (temperature, top-k, top-p); guidance scale for stage 1 (and a video stage 2). */
  readonly sampling: {
    readonly stage1: SamplingOptions;
    readonly stage2: SamplingOptions;
    readonly stage3: SamplingOptions;
  };
  /** Conditions dropped by the unconditional rows of guidance. */
  readonly guidanceDrop?: GuidanceDrop;
  /**
   * Semantic tokens [rows, numTokens] to use instead of stage 1's (int64; the caller keeps ownership): stages
   * 2-3 teacher-forced on given tokens, e.g. a reference's, the upper bound of stages 2-3.
   */
  readonly semantic?: Tensor | null;
  /** Tokens of a prompt audio, per row: semantic [rows, P], coarse [rows, Kc, 2P], fine [rows, Kf, 2P]. */
  readonly prompt?: { readonly semantic: Tensor; readonly coarse: Tensor; readonly fine: Tensor } | null;
  readonly onProgress?: (stage: 'stage1' | 'stage2' | 'stage3', done: number, total: number) => void;
  /** Skip stage 3: `fine` comes back with no levels ([rows, 0, 2T]) and only the coarse levels are decoded. */
  readonly skipStage3?: boolean;
  /** Called with the seconds each stage took, as it ends. */
  readonly onStageDone?: (stage: 'stage1' | 'stage2' | 'stage3', seconds: number) => void;
}

/** The three stages' new tokens: semantic [rows, T], coarse [rows, Kc, 2T], fine [rows, Kf, 2T] (int64). */
export interface ChainTokens {
  readonly semantic: Tensor;
  readonly coarse: Tensor;
  readonly fine: Tensor;
}

/** Context re-read by each window after the first: a fifth of the window (2 s of a 10 s window). */
export function overlapOf(windowFrames: number): number {
  return Math.floor(windowFrames / 5);
}

/** Semantic -> coarse -> fine for `numTokens` tokens of every row; the caller frees the result's tensors. */
export function runChain(
  stages: { stage1: Stage1; stage2: Stage2; stage3: Stage3 | null },
  input: ChainInput,
): ChainTokens {
  const { stage1, stage2, stage3 } = stages;
  const frames = input.numTokens * acousticPerSemantic;
  const promptTokens = input.prompt?.semantic.size(1) ?? 0;
  const timed = <R>(stage: 'stage1' | 'stage2' | 'stage3', fn: () => R): R => {
    const t0 = performance.now();
    const out = fn();
    input.onStageDone?.(stage, (performance.now() - t0) / 1000);
    return out;
  };
  const progress =
    (stage: 'stage1' | 'stage2' | 'stage3', total: number, w: ChainWindow) => (done: number, steps: number) =>
      input.onProgress?.(stage, Math.min(total, w.start + Math.round((w.newFrames * done) / steps)), total);

  const window1 = stage1.config.maxTokens;
  const given = input.semantic;
  if (given && (given.size(0) !== input.rows || given.size(1) !== input.numTokens))
    throw new Error(
      `given semantic tokens are [${given.shape}], expected [${input.rows}, ${input.numTokens}]`,
    );
  const semantic = timed('stage1', () =>
    given
      ? given.clone()
      : continueFrom(
          input.prompt?.semantic ?? null,
          input.numTokens,
          window1,
          overlapOf(window1),
          (w, prompt) => {
            const startSec = (w.start - w.promptFrames) / semanticRateHz;
            const seconds = (w.promptFrames + w.newFrames) / semanticRateHz;
            const c = windowStreamInputs(input.conditions, stage1.config.streams, startSec, seconds);
            return stage1.generate(
              { ...input.conditions, ...c },
              {
                ...input.sampling.stage1,
                guidanceDrop: input.guidanceDrop,
                numTokens: w.newFrames,
                prompt,
                seed: mixSeed(input.seed, `stage1 ${w.start}`),
                onStep: progress('stage1', input.numTokens, w),
              },
            );
          },
        ),
  );
  try {
    const allSemantic = input.prompt ? cat([input.prompt.semantic, semantic], 1) : semantic;
    const window2 = stage2.config.maxFrames;
    const coarse = timed('stage2', () =>
      continueFrom(input.prompt?.coarse ?? null, frames, window2, overlapOf(window2), (w, prompt) => {
        // frame f of the output is frame f + 2 promptTokens of the prompt-extended timeline
        const first = w.start + promptTokens * acousticPerSemantic - w.promptFrames;
        const length = w.promptFrames + w.newFrames;
        const firstToken = Math.floor(first / acousticPerSemantic);
        const tokens = Math.ceil((first + length) / acousticPerSemantic) - firstToken;
        const streams: StreamInputs = windowStreamInputs(
          input.conditions,
          stage2.config.streams,
          (w.start - w.promptFrames) / (semanticRateHz * acousticPerSemantic),
          length / (semanticRateHz * acousticPerSemantic),
        );
        return stage2.generate(
          {
            ...streams,
            semantic: allSemantic.narrow(1, firstToken, tokens),
            style: input.conditions.style ?? null,
            ...(input.conditions.stylePresent ? { stylePresent: input.conditions.stylePresent } : {}),
          },
          {
            ...input.sampling.stage2,
            guidanceScale: stage2.guides(input.guidanceDrop) ? input.sampling.stage2.guidanceScale : null,
            guidanceDrop: input.guidanceDrop,
            numFrames: w.newFrames,
            prompt,
            seed: mixSeed(input.seed, `stage2 ${w.start}`),
            onStep: progress('stage2', frames, w),
          },
        );
      }),
    );
    if (input.prompt) allSemantic.dispose();
    try {
      const window3 = stage3?.config.windowFrames ?? 1;
      // the masked stage 3 predicts a window's fine levels from its coarse codes alone: no context to re-read
      const overlap3 = stage3?.config.layout === 'masked' ? 0 : overlapOf(window3);
      const allCoarse = input.prompt ? cat([input.prompt.coarse, coarse], 2) : coarse;
      const promptFrames = promptTokens * acousticPerSemantic;
      const fine =
        input.skipStage3 || !stage3
          ? zeros([input.rows, 0, frames], { dtype: 'int64' })
          : timed('stage3', () =>
              continueFrom(input.prompt?.fine ?? null, frames, window3, overlap3, (w, prompt) =>
                stage3.generate(
                  {
                    coarse: allCoarse.narrow(
                      2,
                      promptFrames + w.start - w.promptFrames,
                      w.promptFrames + w.newFrames,
                    ),
                  },
                  {
                    ...input.sampling.stage3,
                    guidanceScale: null,
                    prompt,
                    seed: mixSeed(input.seed, `stage3 ${w.start}`),
                    onStep: progress('stage3', frames, w),
                  },
                ),
              ),
            );
      if (input.prompt) allCoarse.dispose();
      return { semantic, coarse, fine };
    } catch (error) {
      coarse.dispose();
      throw error;
    }
  } catch (error) {
    semantic.dispose();
    throw error;
  }
}
