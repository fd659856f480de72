// MusiCNN as the evaluation's style space (src/encoders/musicnn.ts): the style embedding is the 100-d MTT + MSD
// clip-mean tag probabilities; as a second FAD feature it also hands out, per 3 s patch, the two taggers'
// penultimate embeddings side by side (200 + 200 = 400-d), the MusiCNN analogue of YAMNet's window embeddings.
import { MusicnnStyleEncoder, styleVector } from '../encoders/musicnn.js';
import type { StyleEncoder, StyleFeatures } from './style.js';

export class MusicnnStyle implements StyleEncoder {
  readonly id: string;
  readonly dim: number;
  private constructor(private readonly encoder: MusicnnStyleEncoder) {
    this.id = encoder.id;
    this.dim = encoder.dim;
  }

  /** Loads both taggers through the model store (MODEL_MISSING when the weights are not installed). */
  static async fromPretrained(): Promise<MusicnnStyle> {
    return new MusicnnStyle(await MusicnnStyleEncoder.fromPretrained());
  }

  embed(samples16k: Float32Array): Float32Array {
    return this.encoder.styleEmbedding(samples16k);
  }

  embedWithFrames(samples16k: Float32Array): StyleFeatures {
    const pair = this.encoder.tagBoth(samples16k);
    const numFrames = pair.mtt.numPatches;
    const mttDim = pair.mtt.penultimate.length / numFrames;
    const msdDim = pair.msd.penultimate.length / numFrames;
    const frameDim = mttDim + msdDim;
    const frames = new Float32Array(numFrames * frameDim);
    for (let p = 0; p < numFrames; p++) {
      frames.set(pair.mtt.penultimate.subarray(p * mttDim, (p + 1) * mttDim), p * frameDim);
      frames.set(pair.msd.penultimate.subarray(p * msdDim, (p + 1) * msdDim), p * frameDim + mttDim);
    }
    return { style: styleVector(pair), frames, numFrames, frameDim };
  }

  dispose(): void {
    this.encoder.dispose();
  }
}
