// MobileNet image encoders on ImageNet (1001 classes, index 0 = background), run from TFLite files:
// MobileNetV2 1.0 224 uint8 (Sandler et al. 2018) for the per-frame semantic embedding (CLIP's role in
// V2Meow), and MobileNet v1 0.25 224 float (Howard et al. 2017) as a fast option. Contract: RGB frame
// (any size; centre-cropped to a square and resized bilinearly to 224x224) -> pooled features (the global
// average pool before the classifier: 1280-d for v2, 256-d for v1 0.25) and class probabilities; v2 also
// gives its logits (the file has no softmax). On request it also exposes the last conv feature map before the
// pool (7x7x1280 for v2), which the visual tokens of src/features/visualTokens.ts quantize.
import { V2meowError } from '../errors.js';
import { type LabelScore, readLabels, softmax, topK } from './classification.js';
import { centerCropSquare, type RgbFrame, resizeBilinear } from './imageOps.js';
import {
  type LoadedTflite,
  lastOperatorInput,
  lastOperatorOutput,
  loadTflite,
  outputAsFloat,
} from './loadTflite.js';

export interface MobilenetConfig {
  /** Manifest id of the .tflite file. */
  readonly modelId: string;
  readonly labelsId: string;
  /** Square input side in pixels. */
  readonly inputSize: number;
  /** Length of the pooled feature vector. */
  readonly featureDim: number;
  readonly numClasses: number;
  /** 'uint8': raw pixels in; 'float': (pixel - 127.5) / 127.5 in. */
  readonly inputKind: 'uint8' | 'float';
  /** 'logits': the model ends before softmax; 'probabilities': it ends with softmax. */
  readonly outputKind: 'logits' | 'probabilities';
}

export const mobilenetPresets = {
  /** MobileNetV2 1.0 224 uint8: the default visual encoder. */
  default: {
    modelId: 'mobilenet-v2-quant',
    labelsId: 'imagenet-labels',
    inputSize: 224,
    featureDim: 1280,
    numClasses: 1001,
    inputKind: 'uint8',
    outputKind: 'logits',
  },
  /** MobileNet v1 0.25 224 float: about 5x faster, weaker features; also the debug preset. */
  fast: {
    modelId: 'mobilenet-v1-025-float',
    labelsId: 'imagenet-labels',
    inputSize: 224,
    featureDim: 256,
    numClasses: 1001,
    inputKind: 'float',
    outputKind: 'probabilities',
  },
} as const satisfies Record<string, MobilenetConfig>;

export type MobilenetPreset = keyof typeof mobilenetPresets | 'debug';

/** Result for one frame. */
export interface MobilenetOutput {
  /** [featureDim] pooled features (dequantized for the uint8 model). */
  readonly features: Float32Array;
  /** [numClasses] softmax probabilities. */
  readonly probabilities: Float32Array;
  /** [numClasses] logits, when the model exposes them (v2). */
  readonly logits?: Float32Array;
  /** [gridSize, gridSize, featureDim] feature map that the pool averages, when loaded with spatialMap. */
  readonly spatialMap?: Float32Array;
}

export interface MobilenetLoadOptions {
  /** Also expose the feature map before the global pool (the input of the last AVERAGE_POOL_2D). */
  readonly spatialMap?: boolean;
}

export class Mobilenet {
  private readonly input: Float32Array | Uint8Array;

  private constructor(
    readonly config: MobilenetConfig,
    readonly labels: readonly string[],
    private readonly loaded: LoadedTflite,
    /** Side of the square pre-pool feature map (7 for 224 inputs) when loaded with spatialMap, else 0. */
    readonly gridSize = 0,
  ) {
    const size = config.inputSize * config.inputSize * 3;
    this.input = config.inputKind === 'float' ? new Float32Array(size) : new Uint8Array(size);
  }

  /** Loads a preset (`default` = v2 uint8, `fast` and `debug` = v1 0.25 float) through the model store. */
  static async fromPretrained(
    preset: MobilenetPreset | MobilenetConfig = 'default',
    options: MobilenetLoadOptions = {},
  ): Promise<Mobilenet> {
    const config =
      typeof preset === 'string' ? mobilenetPresets[preset === 'debug' ? 'fast' : preset] : preset;
    const labels = readLabels(config.labelsId, config.numClasses);
    const loaded = await loadTflite(config.modelId, (model) => [
      lastOperatorOutput(model, 'AVERAGE_POOL_2D'),
      ...(options.spatialMap ? [lastOperatorInput(model, 'AVERAGE_POOL_2D')] : []),
    ]);
    const pooled = loaded.interpreter.outputs[1]!;
    if (pooled.shape[pooled.shape.length - 1] !== config.featureDim)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `pooled features are [${pooled.shape}], expected ${config.featureDim}`,
      );
    if (!options.spatialMap) return new Mobilenet(config, labels, loaded);
    const map = loaded.interpreter.outputs[2]!.shape;
    if (map.length !== 4 || map[1] !== map[2] || map[3] !== config.featureDim)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `pre-pool feature map is [${map}], expected [1, n, n, ${config.featureDim}]`,
      );
    return new Mobilenet(config, labels, loaded, map[1]!);
  }

  /** Centre crop + bilinear resize to the model's square input (no-op for 224x224 frames). */
  prepare(frame: RgbFrame): RgbFrame {
    const side = this.config.inputSize;
    if (frame.width === side && frame.height === side) return frame;
    return resizeBilinear(centerCropSquare(frame), side, side);
  }

  /** Encodes one RGB frame. */
  encode(frame: RgbFrame): MobilenetOutput {
    if (frame.data.length !== frame.width * frame.height * 3)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `frame has ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`,
      );
    const pixels = this.prepare(frame).data;
    if (this.input instanceof Float32Array)
      for (let i = 0; i < pixels.length; i++) this.input[i] = (pixels[i]! - 127.5) / 127.5;
    else this.input.set(pixels);
    this.loaded.interpreter.setInput(0, this.input);
    this.loaded.interpreter.run();
    const output = outputAsFloat(this.loaded, 0);
    const features = outputAsFloat(this.loaded, 1);
    const spatialMap = this.gridSize > 0 ? outputAsFloat(this.loaded, 2) : undefined;
    if (this.config.outputKind === 'probabilities') return { features, probabilities: output, spatialMap };
    return { features, probabilities: softmax(output), logits: output, spatialMap };
  }

  /** The k best ImageNet classes of a probability vector, highest first. */
  top(probabilities: Float32Array, k: number): LabelScore[] {
    return topK(probabilities, this.labels, k);
  }

  dispose(): void {
    this.loaded.interpreter.dispose();
  }
}
