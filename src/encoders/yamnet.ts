// YAMNet (AudioSet, 521 classes; github.com/tensorflow/models/tree/master/research/audioset/yamnet), run
// from the int8 TFLite file with its in-graph float frontend (STFT 400/160 samples, 512-point FFT, 64 mels,
// log). Contract: 16 kHz mono waveform in [-1, 1] -> per 0.975 s window (hop 0.48 s) 521 scores (sigmoid,
// not a distribution) and a 1024-d embedding (tensor 115, the mean-pooled layer-28 activations, dequantized).
import { type LabelScore, meanRows, readLabels, topK } from './classification.js';
import { type LoadedTflite, loadTflite, outputAsFloat } from './loadTflite.js';

export interface YamnetConfig {
  /** Manifest id of the .tflite file. */
  readonly modelId: string;
  /** Manifest id of the class-name list. */
  readonly labelsId: string;
  /** Input sample rate in Hz. */
  readonly sampleRateHz: number;
  /** Samples per model call: 15600 = 0.975 s (96 frames of 10 ms plus the 25 ms STFT window). */
  readonly windowSamples: number;
  /** Samples between window starts: 7680 = 0.48 s in the reference; the debug preset uses whole windows. */
  readonly hopSamples: number;
  readonly numClasses: number;
  readonly embeddingDim: number;
  /** Tensor id of the embedding (tower0/network/layer28/reduce_mean). */
  readonly embeddingTensorId: number;
}

export const yamnetDefaults: YamnetConfig = {
  modelId: 'yamnet',
  labelsId: 'yamnet-labels',
  sampleRateHz: 16000,
  windowSamples: 15600,
  hopSamples: 7680,
  numClasses: 521,
  embeddingDim: 1024,
  embeddingTensorId: 115,
};

/** Presets: `default` is the reference framing; `debug` hops a whole window (about half the work). */
export const yamnetPresets = {
  default: yamnetDefaults,
  debug: { ...yamnetDefaults, hopSamples: 15600 },
} as const satisfies Record<string, YamnetConfig>;

/** Result of one window. */
export interface YamnetWindow {
  /** [numClasses] per-class sigmoid scores. */
  readonly scores: Float32Array;
  /** [embeddingDim] dequantized embedding. */
  readonly embedding: Float32Array;
}

/** Result of a whole waveform. */
export interface YamnetResult {
  readonly numWindows: number;
  /** Start of each window in seconds. */
  readonly windowStartSec: readonly number[];
  /** [numWindows, numClasses] row-major. */
  readonly scores: Float32Array;
  /** [numWindows, embeddingDim] row-major. */
  readonly embeddings: Float32Array;
}

export class Yamnet {
  private constructor(
    readonly config: YamnetConfig,
    /** Class names in output order. */
    readonly labels: readonly string[],
    private readonly loaded: LoadedTflite,
  ) {}

  /** Loads the model and labels through the model store (V2MEOW_MODELS, user cache, shared mirror). */
  static async fromPretrained(overrides: Partial<YamnetConfig> = {}): Promise<Yamnet> {
    const config = { ...yamnetDefaults, ...overrides };
    const labels = readLabels(config.labelsId, config.numClasses);
    const loaded = await loadTflite(config.modelId, () => [config.embeddingTensorId]);
    return new Yamnet(config, labels, loaded);
  }

  /** Runs one window; `samples` must hold exactly windowSamples values at 16 kHz. */
  classifyWindow(samples: Float32Array): YamnetWindow {
    this.loaded.interpreter.setInput(0, samples);
    this.loaded.interpreter.run();
    return { scores: outputAsFloat(this.loaded, 0), embedding: outputAsFloat(this.loaded, 1) };
  }

  /** Number of windows for a waveform of `numSamples`: the last window is zero-padded; at least one. */
  numWindows(numSamples: number): number {
    const { windowSamples, hopSamples } = this.config;
    if (numSamples <= windowSamples) return 1;
    return 1 + Math.ceil((numSamples - windowSamples) / hopSamples);
  }

  /** Runs every window of a 16 kHz mono waveform. `onWindow` reports progress. */
  run(waveform: Float32Array, onWindow?: (done: number, total: number) => void): YamnetResult {
    const { windowSamples, hopSamples, numClasses, embeddingDim, sampleRateHz } = this.config;
    const numWindows = this.numWindows(waveform.length);
    const scores = new Float32Array(numWindows * numClasses);
    const embeddings = new Float32Array(numWindows * embeddingDim);
    const window = new Float32Array(windowSamples);
    const windowStartSec: number[] = [];
    for (let w = 0; w < numWindows; w++) {
      const start = w * hopSamples;
      window.fill(0);
      window.set(waveform.subarray(start, Math.min(start + windowSamples, waveform.length)));
      const result = this.classifyWindow(window);
      scores.set(result.scores, w * numClasses);
      embeddings.set(result.embedding, w * embeddingDim);
      windowStartSec.push(start / sampleRateHz);
      onWindow?.(w + 1, numWindows);
    }
    return { numWindows, windowStartSec, scores, embeddings };
  }

  /** Mean scores over windows: [numClasses]. */
  clipScores(result: YamnetResult): Float32Array {
    return meanRows(result.scores, result.numWindows, this.config.numClasses);
  }

  /** The k best classes of a score vector, highest first. */
  top(scores: Float32Array, k: number): LabelScore[] {
    return topK(scores, this.labels, k);
  }

  dispose(): void {
    this.loaded.interpreter.dispose();
  }
}
