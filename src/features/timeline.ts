// The one timeline that every stage input and target lives on. Paper (V2Meow, section 3): semantic tokens at
// 25 Hz, acoustic (codec) tokens at 50 Hz; ours adds rhythm curves on the semantic grid. Frame k of a stream at
// rate r stands for the interval [k / r, (k + 1) / r) seconds from the start of the clip.

/** Audio sample rate of the tokenizers and the codec. */
export const audioSampleRateHz = 16000;
/** Semantic tokens and rhythm curves. */
export const semanticRateHz = 25;
/** Codec frames (one column of 12 RVQ levels each). */
export const acousticRateHz = 50;
/** 640 samples per semantic frame at 16 kHz. */
export const samplesPerSemanticFrame = audioSampleRateHz / semanticRateHz;
/** 320 samples per codec frame at 16 kHz. */
export const samplesPerAcousticFrame = audioSampleRateHz / acousticRateHz;
/** Codec frames per semantic frame: semantic frame k covers acoustic frames 2k and 2k + 1. */
export const acousticPerSemantic = acousticRateHz / semanticRateHz;

/** Whole frames at `rateHz` that fit in `seconds` (the last partial frame is dropped). */
export function framesIn(seconds: number, rateHz: number): number {
  return Math.max(0, Math.floor(seconds * rateHz + 1e-6));
}

/** Whole semantic frames in a 16 kHz waveform of `numSamples` samples. */
export function semanticFramesOf(numSamples: number): number {
  return Math.floor(numSamples / samplesPerSemanticFrame);
}
