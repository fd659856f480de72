// The narrow interface every acoustic tokenizer of v2meow implements (audiocraft's CompressionModel):
// waveform <-> integer tokens [B, K, T], any prefix of the K levels decodes, and a streaming decoder for
// long outputs. The language-model stages only see this interface.
import type { Tensor } from '../torch/index.js';

/** Decodes tokens chunk by chunk with state carried between calls; chunks join seamlessly. */
export interface StreamingDecoder {
  /** Tokens [B, k, t] (the next t frames) -> waveform [B, t * hopSamples]. */
  push(tokens: Tensor): Tensor;
  /** Frees the carried state. */
  dispose(): void;
}

export interface AudioCodec {
  /** Identifier written into token files, e.g. 'v2meow-soundstream-16k' or 'lyra-v2'. */
  readonly id: string;
  readonly sampleRateHz: number;
  /** Token frames per second. */
  readonly frameRateHz: number;
  /** Samples per token frame (sampleRateHz / frameRateHz). */
  readonly hopSamples: number;
  /** Levels K of the residual quantizer. */
  readonly numCodebooks: number;
  /** Entries per codebook (token values are 0 .. codebookSize - 1). */
  readonly codebookSize: number;
  /**
   * Waveform [B, N] in [-1, 1] -> int64 tokens [B, numLevels, ceil(N / hopSamples)] (default all levels;
   * the waveform is zero-padded to whole frames).
   */
  encode(wave: Tensor, numLevels?: number): Tensor;
  /** Tokens [B, k, T] with 1 <= k <= numCodebooks (a prefix of levels) -> waveform [B, T * hopSamples]. */
  decode(tokens: Tensor): Tensor;
  /** A decoder that takes tokens a few frames at a time (same samples as decode() on the whole). */
  streamingDecoder(): StreamingDecoder;
}
