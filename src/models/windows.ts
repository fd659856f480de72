// Any length, exactly: a stage that runs at most `windowFrames` frames per call continues in windows with
// overlapping context, as AudioLM and MusicGen continue: each window after the first re-reads the last
// `overlapFrames` frames it made as a prompt and adds `windowFrames - overlapFrames` new ones; the last window
// adds only what is left, so the result has exactly `totalFrames` frames.
import { cat, type Tensor, tidy } from '../torch/index.js';

/** One window: new frames [start, start + newFrames), after the prompt frames [start - promptFrames, start). */
export interface WindowPlan {
  readonly start: number;
  readonly promptFrames: number;
  readonly newFrames: number;
}

/** The windows covering totalFrames frames. */
export function planWindows(totalFrames: number, windowFrames: number, overlapFrames: number): WindowPlan[] {
  if (!Number.isInteger(totalFrames) || totalFrames < 0)
    throw new Error(`total frames must be a whole number >= 0, got ${totalFrames}`);
  if (!(windowFrames >= 1) || !(overlapFrames >= 0) || overlapFrames >= windowFrames) {
    throw new Error(`windows of ${windowFrames} frames cannot overlap by ${overlapFrames}`);
  }
  const plans: WindowPlan[] = [];
  let start = 0;
  while (start < totalFrames) {
    const promptFrames = start === 0 ? 0 : Math.min(overlapFrames, start);
    const newFrames = Math.min(windowFrames - promptFrames, totalFrames - start);
    plans.push({ start, promptFrames, newFrames });
    start += newFrames;
  }
  return plans;
}

/**
 * Runs `step(window, prompt)` for each window and joins the new frames along the last dim: exactly totalFrames
 * of them. prompt is the last promptFrames frames made so far ([..., promptFrames]), null for the first window;
 * step returns [..., newFrames] (the new frames only). The caller frees the result.
 */
export function continueInWindows(
  totalFrames: number,
  windowFrames: number,
  overlapFrames: number,
  step: (window: WindowPlan, prompt: Tensor | null) => Tensor,
): Tensor {
  const parts: Tensor[] = [];
  let made: Tensor | null = null;
  try {
    for (const w of planWindows(totalFrames, windowFrames, overlapFrames)) {
      const next: Tensor = tidy(() => {
        const prompt =
          made && w.promptFrames > 0 ? made.narrow(-1, made.size(-1) - w.promptFrames, w.promptFrames) : null;
        const out = step(w, prompt);
        if (out.size(-1) !== w.newFrames) {
          throw new Error(`window at frame ${w.start}: ${out.size(-1)} frames made, ${w.newFrames} asked`);
        }
        return out;
      });
      next.keep();
      parts.push(next);
      made = next;
    }
    if (parts.length === 0) throw new Error('continueInWindows: no frames asked');
    return tidy(() => cat(parts, -1));
  } finally {
    for (const p of parts) p.dispose();
  }
}
