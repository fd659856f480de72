// Which of YAMNet's 521 AudioSet classes are music, and which are music genres. The AudioSet ontology
// (research.google.com/audioset/ontology) puts everything musical under one "Music" subtree: Musical instrument
// (plucked string, keyboard, percussion, orchestra, brass, bowed string, woodwind, harp, bells, ...), Music genre,
// Musical concepts (Song, ...), Music role (Background, Theme, Soundtrack, Video game music, ...) and Music mood.
// YAMNet lists that subtree contiguously, from "Music" (index 132) to "Scary music" (index 276): 145 classes.
// The genre subtree runs from "Pop music" (211) to "Independent music" (260). We locate both ranges by name so a
// reordered label file fails loudly instead of silently picking other classes.
import { V2meowError } from '../errors.js';

/** First and last label (inclusive) of the AudioSet Music subtree in YAMNet order. */
export const musicSubtreeRange = ['Music', 'Scary music'] as const;
/** First and last label (inclusive) of the AudioSet Music genre subtree in YAMNet order. */
export const genreSubtreeRange = ['Pop music', 'Independent music'] as const;

/** Expected class counts of the two ranges in YAMNet's label list. */
export const numMusicClasses = 145;
export const numGenreClasses = 50;

function rangeIndices(labels: readonly string[], [first, last]: readonly [string, string], expected: number) {
  const start = labels.indexOf(first);
  const end = labels.indexOf(last);
  if (start < 0 || end < start || end - start + 1 !== expected)
    throw new V2meowError(
      'BAD_FORMAT',
      `YAMNet labels do not hold the AudioSet range "${first}".."${last}" of ${expected} classes`,
    );
  return Array.from({ length: expected }, (_, i) => start + i);
}

/** Indices of the 145 AudioSet Music-subtree classes (instruments, genres, concepts, roles, moods). */
export function musicClassIndices(labels: readonly string[]): number[] {
  return rangeIndices(labels, musicSubtreeRange, numMusicClasses);
}

/** Indices of the 50 AudioSet music-genre classes (Pop music .. Independent music). */
export function genreClassIndices(labels: readonly string[]): number[] {
  return rangeIndices(labels, genreSubtreeRange, numGenreClasses);
}

/** The genre with the highest clip score among `genreIndices`. */
export function predictGenre(
  clipScores: ArrayLike<number>,
  labels: readonly string[],
  genreIndices: readonly number[],
) {
  let best = genreIndices[0]!;
  for (const index of genreIndices) if (clipScores[index]! > clipScores[best]!) best = index;
  return labels[best]!;
}
