// Style-space cycle consistency: the role MuLan cycle consistency plays in V2Meow. Generated and reference
// audio are embedded in one style space and compared by cosine similarity (1 = same style). The audio style
// embedding is a clip-level vector: MusiCNN's MTT + MSD tag probabilities averaged over the clip (100-d) when
// that encoder is available, otherwise YAMNet's 145 AudioSet music-class scores averaged over the clip.

/** A clip's style embedding plus frame-level features of the same encoder (for a second FAD). */
export interface StyleFeatures {
  /** [dim] clip style embedding. */
  readonly style: Float32Array;
  /** [numFrames, frameDim] row-major frame features. */
  readonly frames: Float32Array;
  readonly numFrames: number;
  readonly frameDim: number;
}

/** A clip-level audio style embedding. */
export interface StyleEncoder {
  /** Stable id, part of cache keys and of the report (e.g. `musicnn-mtt-msd`). */
  readonly id: string;
  /** Embedding length. */
  readonly dim: number;
  /** Embedding of 16 kHz mono samples in [-1, 1]: [dim]. */
  embed(samples16k: Float32Array): Float32Array | Promise<Float32Array>;
  /** Optional: the embedding and frame features in one pass (enables FAD on the encoder's features). */
  embedWithFrames?(samples16k: Float32Array): StyleFeatures;
}

/** Cosine similarity of two equal-length vectors; 0 when either is all zeros. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA > 0 && normB > 0 ? dot / Math.sqrt(normA * normB) : 0;
}

/**
 * The fallback style space: a clip's YAMNet scores at the 145 AudioSet music classes (instruments, genres,
 * moods), read from the clip scores the evaluation computes anyway, so it costs nothing extra.
 */
export class YamnetMusicStyle {
  readonly id = 'yamnet-music-145';
  constructor(readonly musicIndices: readonly number[]) {}
  get dim(): number {
    return this.musicIndices.length;
  }
  /** [musicIndices.length] from clip scores [521]. */
  fromClipScores(clipScores: ArrayLike<number>): Float32Array {
    return Float32Array.from(this.musicIndices, (index) => clipScores[index]!);
  }
}

/** Where style embeddings come from: an audio encoder, or the YAMNet music-class fallback. */
export type StyleSource = StyleEncoder | YamnetMusicStyle;
