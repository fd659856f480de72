// MoveNet single-pose lightning int8 (TF Hub movenet/singlepose/lightning v4), run from its TFLite file.
// Contract: RGB frame (any size; centre-cropped to a square and resized to 192x192) -> 17 COCO keypoints
// (y, x in [0, 1] of the original frame, score in [0, 1]) and whether a person is present. We crop rather than
// letterbox: on 16:9 clips the black bands made the int8 model report 6 keypoints >= 0.4 on an insect
// close-up (mdn_bug_no_audio.mp4 at 5.5 s), and cropping removed that. The presence rule (>= 4 keypoints
// scoring >= 0.4) is a heuristic calibrated on mdn_friday.mp4 (people: 4-7 such keypoints in every frame at
// 2 fps) and mdn_bug_no_audio.mp4 (no people: at most 1); people at the frame's far sides are missed.
import { V2meowError } from '../errors.js';
import { centerCropSquare, type RgbFrame, resizeBilinear } from './imageOps.js';
import { type LoadedTflite, loadTflite, outputAsFloat } from './loadTflite.js';

/** COCO keypoint names in MoveNet's output order. */
export const movenetKeypointNames = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

export interface MovenetConfig {
  readonly modelId: string;
  /** Square input side in pixels. */
  readonly inputSize: number;
  /** A keypoint counts as seen when its score reaches this. */
  readonly keypointThreshold: number;
  /** A person is present when at least this many keypoints are seen. */
  readonly minKeypoints: number;
}

export const movenetDefaults: MovenetConfig = {
  modelId: 'movenet-lightning-int8',
  inputSize: 192,
  keypointThreshold: 0.4,
  minKeypoints: 4,
};

export interface Keypoint {
  readonly name: (typeof movenetKeypointNames)[number];
  /** Vertical position as a fraction of the frame height (0 = top). */
  readonly y: number;
  /** Horizontal position as a fraction of the frame width (0 = left). */
  readonly x: number;
  readonly score: number;
}

export interface Pose {
  readonly keypoints: readonly Keypoint[];
  /** Keypoints whose score reaches keypointThreshold. */
  readonly numSeen: number;
  readonly personPresent: boolean;
}

export class Movenet {
  private constructor(
    readonly config: MovenetConfig,
    private readonly loaded: LoadedTflite,
  ) {}

  /** Loads the model through the model store. */
  static async fromPretrained(overrides: Partial<MovenetConfig> = {}): Promise<Movenet> {
    const config = { ...movenetDefaults, ...overrides };
    return new Movenet(config, await loadTflite(config.modelId));
  }

  /**
   * Raw model call on a square inputSize x inputSize RGB frame: [17 * 3] values (y, x, score) with y, x
   * relative to that square.
   */
  runSquare(pixels: Uint8Array): Float32Array {
    this.loaded.interpreter.setInput(0, pixels);
    this.loaded.interpreter.run();
    return outputAsFloat(this.loaded, 0);
  }

  /** Estimates the pose in one RGB frame of any size. */
  estimate(frame: RgbFrame): Pose {
    if (frame.data.length !== frame.width * frame.height * 3)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `frame has ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`,
      );
    const side = Math.min(frame.width, frame.height);
    const left = Math.floor((frame.width - side) / 2);
    const top = Math.floor((frame.height - side) / 2);
    const square = side === frame.width && side === frame.height ? frame : centerCropSquare(frame);
    const input = resizeBilinear(square, this.config.inputSize, this.config.inputSize);
    const raw = this.runSquare(input.data);
    const keypoints = movenetKeypointNames.map((name, k): Keypoint => {
      // Undo the crop: square coordinates -> original frame fractions.
      const y = (raw[3 * k]! * side + top) / frame.height;
      const x = (raw[3 * k + 1]! * side + left) / frame.width;
      return { name, y, x, score: raw[3 * k + 2]! };
    });
    return this.summarize(keypoints);
  }

  /** Applies the presence rule to keypoints. */
  summarize(keypoints: readonly Keypoint[]): Pose {
    const numSeen = keypoints.filter((k) => k.score >= this.config.keypointThreshold).length;
    return { keypoints, numSeen, personPresent: numSeen >= this.config.minKeypoints };
  }

  dispose(): void {
    this.loaded.interpreter.dispose();
  }
}
