// Music semantic tokens: the role of w2v-BERT + k-means in V2Meow (and AudioLM): a coarse-rate token stream
// that carries melody, harmony and rhythm. Stage 1 predicts them from video; stage 2 maps them to acoustic
// tokens. Ours come from MusiCNN frame features pooled to 25 Hz and quantised by k-means (musicnnKmeans.ts).

export interface SemanticTokenizer {
  /** Identifies the tokenizer and its fitted codebook (model bundles check it). */
  readonly id: string;
  /** Tokens per second (25). */
  readonly frameRateHz: number;
  /** Token ids are 0..vocabularySize-1. */
  readonly vocabularySize: number;
  /**
   * Tokens of a 16 kHz mono waveform: one per whole frame, semanticFramesOf(samples.length) of them
   * (10 s -> 250). Deterministic: the same audio gives the same tokens.
   */
  tokenize(samples16k: Float32Array): Int32Array;
  dispose(): void;
}

/**
 * The committed tokenizer (weights/semantic, chosen in docs/tokens.md): the stage configs' default semantic
 * tokenizer id and vocabulary (test/tokens checks them against weights/semantic/semantic.json).
 */
export const committedSemanticTokenizer = {
  id: 'musicnn-kmeans-mtt-all-mean-k256-ec0c439d96',
  vocabularySize: 256,
} as const;
