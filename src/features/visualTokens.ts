// Visual tokens (the role of ViT-VQGAN tokens in V2Meow, section 3.2): each cell of MobileNetV2's last conv
// feature map (7x7 cells x 1280 channels for a 224x224 frame, the map the global pool averages) is replaced by
// the id of its nearest centroid in a k-means codebook fitted on video frames (scripts/fit-visual-tokens.ts;
// the committed one lies in weights/visual-tokens/ with its provenance). A frame becomes gridSize^2 ids.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { V2meowError } from '../errors.js';
import { readSafetensorsHeader } from '../torch/io/safetensors.js';

/** What a codebook quantizes and how it was made. */
export interface VisualTokenConfig {
  /** Number of centroids (token ids 0..numTokens-1). */
  readonly numTokens: number;
  /** Channels per map cell (1280 for MobileNetV2). */
  readonly featureDim: number;
  /** Side of the square feature map (7 for 224x224 inputs). */
  readonly gridSize: number;
  /** Manifest id of the encoder whose map is quantized. */
  readonly encoderId: string;
  /** Which tensor of the encoder: the input of its last AVERAGE_POOL_2D. */
  readonly layer: string;
}

/** The file's metadata kind. */
export const visualTokenKind = 'visual-tokens';

/** weights/visual-tokens/codebook.safetensors in the package (the committed codebook). */
export function defaultVisualCodebookPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'weights', 'visual-tokens', 'codebook.safetensors');
}

/** A fitted codebook: nearest-centroid assignment of feature-map cells. */
export class VisualTokenCodebook {
  private readonly squaredNorms: Float32Array;

  constructor(
    readonly config: VisualTokenConfig,
    /** [numTokens, featureDim] row-major. */
    readonly centroids: Float32Array,
  ) {
    if (centroids.length !== config.numTokens * config.featureDim)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `codebook has ${centroids.length} values, expected ${config.numTokens} x ${config.featureDim}`,
      );
    this.squaredNorms = new Float32Array(config.numTokens);
    for (let k = 0; k < config.numTokens; k++) {
      let sum = 0;
      for (let d = 0; d < config.featureDim; d++) sum += centroids[k * config.featureDim + d]! ** 2;
      this.squaredNorms[k] = sum;
    }
  }

  /** Reads a codebook file written by scripts/fit-visual-tokens.ts (safetensors, tensor `centroids`). */
  static load(path: string = defaultVisualCodebookPath()): VisualTokenCodebook {
    if (!existsSync(path))
      throw new V2meowError(
        'FILE_NOT_FOUND',
        'visual token codebook not found (fit one with scripts/fit-visual-tokens.ts)',
        path,
      );
    const bytes = readFileSync(path);
    const { entries, metadata, dataStart } = readSafetensorsHeader(path, bytes);
    const entry = entries.centroids;
    if (metadata.kind !== visualTokenKind || !metadata.config || !entry || entry.dtype !== 'F32')
      throw new V2meowError('BAD_FORMAT', `not a ${visualTokenKind} file (float32 centroids + config)`, path);
    const config = JSON.parse(metadata.config) as VisualTokenConfig;
    const [begin, end] = entry.data_offsets;
    if (dataStart + end > bytes.length)
      throw new V2meowError('BAD_FORMAT', 'centroids lie outside the file (truncated?)', path);
    const centroids = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + dataStart + begin, bytes.byteOffset + dataStart + end),
    );
    if (entry.shape.join() !== `${config.numTokens},${config.featureDim}`)
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `centroids are [${entry.shape}], config says ${config.numTokens} x ${config.featureDim}`,
        path,
      );
    return new VisualTokenCodebook(config, centroids);
  }

  /** Token ids of a feature map [cells, featureDim] (row-major cells): one id per cell. */
  assign(map: Float32Array): Int32Array {
    const { featureDim, numTokens } = this.config;
    const cells = map.length / featureDim;
    if (!Number.isInteger(cells))
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `feature map of ${map.length} values is not a multiple of ${featureDim}`,
      );
    const ids = new Int32Array(cells);
    const centroids = this.centroids;
    const norms = this.squaredNorms;
    const scores = new Float64Array(numTokens);
    const nonzero = new Int32Array(featureDim);
    for (let cell = 0; cell < cells; cell++) {
      const x = map.subarray(cell * featureDim, (cell + 1) * featureDim);
      // The map is post-ReLU: skipping its zeros makes the dot products several times cheaper.
      let count = 0;
      for (let d = 0; d < featureDim; d++) if (x[d] !== 0) nonzero[count++] = d;
      for (let k = 0; k < numTokens; k++) {
        const row = k * featureDim;
        let dot = 0;
        for (let j = 0; j < count; j++) {
          const d = nonzero[j]!;
          dot += x[d]! * centroids[row + d]!;
        }
        scores[k] = norms[k]! - 2 * dot; // |x - c|^2 minus |x|^2, which is the same for every k
      }
      let best = 0;
      for (let k = 1; k < numTokens; k++) if (scores[k]! < scores[best]!) best = k;
      ids[cell] = best;
    }
    return ids;
  }
}
