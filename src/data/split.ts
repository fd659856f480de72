// Deterministic train/validation/test assignment by source file: a file's split depends only on its
// relative path and the seed (SHA-256 of both), so adding or removing other files never moves it and no
// piece of one recording lands in two splits.
import { createHash } from 'node:crypto';
import { V2meowError } from '../errors.js';
import { type SplitFractions, type SplitName, splitNames } from './corpusFormat.js';

export const defaultSplit: SplitFractions = { train: 0.9, validation: 0.05, test: 0.05 };

/** Parses "0.9,0.05,0.05" (train, validation, test); the fractions must be >= 0 and sum to 1. */
export function parseSplit(text: string): SplitFractions {
  const parts = text.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 3 || parts.some((part) => !Number.isFinite(part) || part < 0))
    throw new V2meowError(
      'BAD_ARGUMENT',
      `--split wants three fractions train,validation,test; got '${text}'`,
    );
  const sum = parts[0]! + parts[1]! + parts[2]!;
  if (Math.abs(sum - 1) > 1e-6)
    throw new V2meowError('BAD_ARGUMENT', `--split fractions sum to ${sum}, not 1`);
  return { train: parts[0]!, validation: parts[1]!, test: parts[2]! };
}

/** Uniform number in [0, 1) from SHA-256 of `seed:key` (48 bits). */
export function hashUnit(key: string, seed: number): number {
  const digest = createHash('sha256').update(`${seed}:${key}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The split of the source file with relative path `key` (e.g. 'warzone2100/albums/track1.ogg'). */
export function assignSplit(key: string, seed: number, fractions: SplitFractions): SplitName {
  const unit = hashUnit(key, seed);
  let cumulative = 0;
  for (const name of splitNames) {
    cumulative += fractions[name];
    if (unit < cumulative) return name;
  }
  // Rounding left a sliver above the last boundary: give it to the last non-empty split.
  return [...splitNames].reverse().find((name) => fractions[name] > 0) ?? 'train';
}
