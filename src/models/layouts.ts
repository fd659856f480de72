// Token layouts: how the RVQ levels of acoustic tokens [levels, frames] become the sequence a stage models.
// Pure functions on typed arrays (audiocraft's codebooks_patterns, with round-trip tests).
//   flattened (AudioLM, Borsos et al. 2023, section 4): frame by frame, level by level, one decoding step per
//     token; level k's ids are offset by k x codebookSize so that one vocabulary holds every level.
//   delay (MusicGen, Copet et al. 2023, section 2.2): one step per frame, level k delayed by k frames, a pad
//     token where a level has no frame; one output head per level.
//   masked (SoundStorm, Borsos et al. 2023): frames in place; training masks a cosine-scheduled share of one
//     level's frames (and every level above it), decoding fills level by level in a few parallel passes.
// Codes are level-major: codes[level * numFrames + frame].
import type { RandomSource } from '../util/random.js';

/** Acoustic codes of one example. */
export interface LevelCodes {
  readonly numLevels: number;
  readonly numFrames: number;
  /** [numLevels, numFrames], level-major. */
  readonly data: Int32Array;
}

/** One training target: the token of (frame, level), whatever the layout's step order. */
export interface TokenTarget {
  readonly frame: number;
  readonly level: number;
  readonly token: number;
}

function checkCodes(codes: LevelCodes): void {
  if (codes.data.length !== codes.numLevels * codes.numFrames) {
    throw new Error(`codes hold ${codes.data.length} values, not ${codes.numLevels} x ${codes.numFrames}`);
  }
}

// ---- flattened (AudioLM) ---------------------------------------------------------------------------------

/** Decoding steps of the flattened layout: one per token. */
export function flattenedSteps(numLevels: number, numFrames: number): number {
  return numLevels * numFrames;
}

/** [levels, frames] -> [frames x levels] with level k's ids offset by k x codebookSize. */
export function flattenFrames(codes: LevelCodes, codebookSize: number): Int32Array {
  checkCodes(codes);
  const { numLevels: k, numFrames: f, data } = codes;
  const out = new Int32Array(k * f);
  for (let frame = 0; frame < f; frame++) {
    for (let level = 0; level < k; level++)
      out[frame * k + level] = data[level * f + frame]! + level * codebookSize;
  }
  return out;
}

/** The inverse of flattenFrames; throws on an id outside its position's level (a sequence no model made). */
export function unflattenFrames(flat: Int32Array, numLevels: number, codebookSize: number): LevelCodes {
  if (flat.length % numLevels !== 0)
    throw new Error(`${flat.length} tokens are not whole frames of ${numLevels}`);
  const f = flat.length / numLevels;
  const data = new Int32Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const level = i % numLevels;
    const token = flat[i]! - level * codebookSize;
    if (token < 0 || token >= codebookSize)
      throw new Error(`step ${i}: id ${flat[i]} is not of level ${level}`);
    data[level * f + Math.floor(i / numLevels)] = token;
  }
  return { numLevels, numFrames: f, data };
}

/** The (frame, level, token) each flattened step is trained to predict. */
export function flattenedTargets(flat: Int32Array, numLevels: number, codebookSize: number): TokenTarget[] {
  return Array.from(flat, (id, i) => {
    const level = i % numLevels;
    return { frame: Math.floor(i / numLevels), level, token: id - level * codebookSize };
  });
}

// ---- delay (MusicGen) ------------------------------------------------------------------------------------

/** Decoding steps of the delay layout: frames + levels - 1. */
export function delaySteps(numLevels: number, numFrames: number): number {
  return numFrames > 0 ? numFrames + numLevels - 1 : 0;
}

/** [levels, frames] -> [levels, frames + levels - 1]: level k shifted right by k, padToken elsewhere. */
export function delayPattern(codes: LevelCodes, padToken: number): Int32Array {
  checkCodes(codes);
  const { numLevels: k, numFrames: f, data } = codes;
  const steps = delaySteps(k, f);
  const out = new Int32Array(k * steps).fill(padToken);
  for (let level = 0; level < k; level++) {
    out.set(data.subarray(level * f, (level + 1) * f), level * steps + level);
  }
  return out;
}

/** The inverse of delayPattern (the pad positions are dropped). */
export function undelayPattern(delayed: Int32Array, numLevels: number, numSteps: number): LevelCodes {
  if (delayed.length !== numLevels * numSteps)
    throw new Error(`delayed codes are not ${numLevels} x ${numSteps}`);
  const f = Math.max(0, numSteps - numLevels + 1);
  const data = new Int32Array(numLevels * f);
  for (let level = 0; level < numLevels; level++) {
    data.set(delayed.subarray(level * numSteps + level, level * numSteps + level + f), level * f);
  }
  return { numLevels, numFrames: f, data };
}

/** Frame that level `level` holds at delay step `step`, or -1 where it holds the pad token. */
export function delayFrame(step: number, level: number, numFrames: number): number {
  const frame = step - level;
  return frame >= 0 && frame < numFrames ? frame : -1;
}

/** The (frame, level, token) targets of a delayed sequence (pad positions carry no target). */
export function delayTargets(delayed: Int32Array, numLevels: number, numSteps: number): TokenTarget[] {
  const f = Math.max(0, numSteps - numLevels + 1);
  const out: TokenTarget[] = [];
  for (let step = 0; step < numSteps; step++) {
    for (let level = 0; level < numLevels; level++) {
      const frame = delayFrame(step, level, f);
      if (frame >= 0) out.push({ frame, level, token: delayed[level * numSteps + step]! });
    }
  }
  return out;
}

// ---- masked (SoundStorm) ---------------------------------------------------------------------------------

/** Share of a level's frames still masked at schedule position u in [0, 1]: cos(pi u / 2) (MaskGIT). */
export function cosineMaskedShare(u: number): number {
  return Math.cos((Math.PI / 2) * Math.min(1, Math.max(0, u)));
}

/**
 * Frames still masked after each of `steps` parallel passes over a level of `numFrames` frames (cosine
 * schedule, strictly decreasing to 0): entry i is the count left masked once pass i is done.
 */
export function maskedAfterPass(numFrames: number, steps: number): number[] {
  const out: number[] = [];
  let previous = numFrames;
  for (let i = 0; i < steps; i++) {
    let left = i === steps - 1 ? 0 : Math.floor(numFrames * cosineMaskedShare((i + 1) / steps));
    left = Math.min(left, Math.max(0, previous - 1));
    out.push(left);
    previous = left;
  }
  return out;
}

/** A masked-token training example for one level (SoundStorm's training recipe). */
export interface MaskedExample {
  /** The level whose masked frames carry the loss. */
  readonly level: number;
  /** [levels, frames]: the codes with maskToken at every masked position (all of the levels above `level`). */
  readonly inputs: Int32Array;
  /** [levels, frames]: the true token where the loss applies (masked frames of `level`), ignoreIndex elsewhere. */
  readonly targets: Int32Array;
}

/**
 * Draws a level uniformly, masks a cos(pi u / 2) share (u uniform, at least one frame) of its frames and
 * every frame of the levels above it. Levels below stay visible, as the level-by-level decoder sees them.
 */
export function sampleMaskedExample(
  codes: LevelCodes,
  maskToken: number,
  random: RandomSource,
  ignoreIndex = -100,
): MaskedExample {
  checkCodes(codes);
  const { numLevels: k, numFrames: f, data } = codes;
  const level = Math.min(k - 1, Math.floor(random() * k));
  const count = Math.max(1, Math.ceil(f * cosineMaskedShare(random())));
  const order = Array.from({ length: f }, (_, i) => i);
  for (let i = f - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const inputs = Int32Array.from(data);
  const targets = new Int32Array(k * f).fill(ignoreIndex);
  for (const frame of order.slice(0, count)) {
    inputs[level * f + frame] = maskToken;
    targets[level * f + frame] = data[level * f + frame]!;
  }
  inputs.fill(maskToken, (level + 1) * f);
  return { level, inputs, targets };
}

/** The (frame, level, token) targets of a masked example (the positions that carry the loss). */
export function maskedTargets(example: MaskedExample, numLevels: number, ignoreIndex = -100): TokenTarget[] {
  const f = example.targets.length / numLevels;
  const out: TokenTarget[] = [];
  example.targets.forEach((token, i) => {
    if (token !== ignoreIndex) out.push({ frame: i % f, level: Math.floor(i / f), token });
  });
  return out;
}

// ---- batches ---------------------------------------------------------------------------------------------

/** Rows of a [B, levels, frames] batch as LevelCodes (a view per row). */
export function batchRows(
  data: Int32Array,
  batch: number,
  numLevels: number,
  numFrames: number,
): LevelCodes[] {
  return Array.from({ length: batch }, (_, b) => ({
    numLevels,
    numFrames,
    data: data.subarray(b * numLevels * numFrames, (b + 1) * numLevels * numFrames),
  }));
}

/** Concatenates equal-length rows into one array [B, ...]. */
export function concatRows(rows: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
