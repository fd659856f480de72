// The codec's acoustic tokens of a long clip in bounded memory: the SoundStream encoder is causal and carries
// its state between chunks (StreamState, src/codec/layers.ts), so encoding 10 s chunks one after the other
// gives the same latents, hence the same tokens, as encoding the whole clip at once (tested), while the
// activations of a 10-minute file never exist at once.
import { StreamState } from '../codec/layers.js';
import type { SoundStreamCodec } from '../codec/soundstream.js';
import { V2meowError } from '../errors.js';
import { noGrad, tensor, tidy } from '../torch/index.js';
import type { AcousticTokens } from './featurizer.js';

/** Codec frames per chunk (10 s at 50 Hz): bounds the encoder's activations to a few hundred MB. */
export const defaultChunkFrames = 500;

/** Tokens [levels, ceil(N / hop)] of 16 kHz samples, encoded `chunkFrames` frames at a time. */
export function encodeInChunks(
  codec: SoundStreamCodec,
  samples16k: Float32Array,
  chunkFrames = defaultChunkFrames,
  levels = codec.numCodebooks,
): AcousticTokens {
  const hop = codec.hopSamples;
  if (codec.sampleRateHz !== 16000)
    throw new V2meowError('BAD_ARGUMENT', `codec runs at ${codec.sampleRateHz} Hz, the dataset at 16000 Hz`);
  const numFrames = Math.ceil(samples16k.length / hop);
  const padded = new Float32Array(numFrames * hop);
  padded.set(samples16k);
  const data = new Int32Array(levels * numFrames);
  const state = new StreamState();
  try {
    for (let first = 0; first < numFrames; first += chunkFrames) {
      const count = Math.min(chunkFrames, numFrames - first);
      const codes = noGrad(() =>
        tidy(() => {
          const wave = tensor(padded.subarray(first * hop, (first + count) * hop), [1, 1, count * hop]);
          const latents = codec.encoder.forward(wave, state);
          return codec.quantizer.encode(latents, levels).cast('int32').data() as Int32Array;
        }),
      );
      for (let level = 0; level < levels; level++)
        data.set(codes.subarray(level * count, (level + 1) * count), level * numFrames + first);
    }
  } finally {
    state.dispose();
  }
  return { levels, numFrames, data };
}
