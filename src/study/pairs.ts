// Which comparisons a study holds: for each video, every pair of the systems that have a soundtrack for it
// (paper: all system pairs, 3 raters each), or a seeded uniform sample of N of them; plus optional control
// pairs (the same soundtrack on both sides) to spot careless raters.
import { type Random, shuffled } from './random.js';

export interface VideoSystems {
  readonly video: string;
  /** Systems with a soundtrack for this video. */
  readonly systems: readonly string[];
}

/** One comparison; `first` sorts before `second` (system names, code-point order). */
export interface PlannedPair {
  readonly video: string;
  readonly first: string;
  readonly second: string;
}

/** A control: `system`'s soundtrack for `video` on both sides. */
export interface PlannedControl {
  readonly video: string;
  readonly system: string;
}

/** How many pairs to build: every system pair of every video, or a sample of that many. */
export type PairSelection = 'all' | number;

function compareNames(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** All (video, system pair) comparisons, in video order then system order. */
export function allPairs(videos: readonly VideoSystems[]): PlannedPair[] {
  const result: PlannedPair[] = [];
  for (const { video, systems } of videos) {
    const sorted = [...systems].sort(compareNames);
    for (let first = 0; first < sorted.length; first++)
      for (let second = first + 1; second < sorted.length; second++)
        result.push({ video, first: sorted[first]!, second: sorted[second]! });
  }
  return result;
}

/**
 * The study's pairs: all of them, or `selection` drawn uniformly without replacement (kept in the order of
 * `allPairs`). Asking for more pairs than exist gives all of them.
 */
export function selectPairs(
  videos: readonly VideoSystems[],
  selection: PairSelection,
  random: Random,
): PlannedPair[] {
  const all = allPairs(videos);
  if (selection === 'all' || selection >= all.length) return all;
  const chosen = new Set(shuffled([...all.keys()], random).slice(0, selection));
  return all.filter((_, index) => chosen.has(index));
}

/** One control per video, with a randomly chosen system's soundtrack. */
export function planControls(videos: readonly VideoSystems[], random: Random): PlannedControl[] {
  return videos.map(({ video, systems }) => {
    const sorted = [...systems].sort(compareNames);
    return { video, system: sorted[Math.floor(random() * sorted.length)]! };
  });
}
