// Per-frame motion features from a flow field: motion energy, a flow-magnitude histogram and a direction
// histogram weighted by magnitude (the "directogram" of Davis & Agrawala 2018, "Visual Rhythm and Beat"),
// plus a gray-level histogram used for scene-cut detection.
import type { FlowField } from './opticalFlow.js';

/** Direction bins over [0, 2 pi) (0 = rightwards, counter-clockwise in image coordinates with y down). */
export const numDirectionBins = 8;
/** Magnitude bins in pixels per frame at the analysis size: [0,0.5), [0.5,1), [1,2), [2,4), [4,8), [8,inf). */
export const magnitudeBinEdges = [0.5, 1, 2, 4, 8] as const;

export interface MotionFeatures {
  /** Mean squared flow magnitude over pixels (pixels^2 per frame interval). */
  readonly motionEnergy: number;
  /** Mean flow magnitude (pixels per frame interval). */
  readonly meanMagnitude: number;
  /** Fraction of pixels per magnitude bin, length magnitudeBinEdges.length + 1. */
  readonly magnitudeHistogram: Float32Array;
  /** Sum of magnitudes per direction bin divided by pixel count, length numDirectionBins. */
  readonly directionHistogram: Float32Array;
}

/** Motion features of one flow field. */
export function motionFeatures(flow: FlowField): MotionFeatures {
  const n = flow.width * flow.height;
  const magnitudeHistogram = new Float32Array(magnitudeBinEdges.length + 1);
  const directionHistogram = new Float32Array(numDirectionBins);
  let energy = 0;
  let magnitudeSum = 0;
  for (let i = 0; i < n; i++) {
    const dx = flow.dx[i]!;
    const dy = flow.dy[i]!;
    const squared = dx * dx + dy * dy;
    const magnitude = Math.sqrt(squared);
    energy += squared;
    magnitudeSum += magnitude;
    let bin = 0;
    while (bin < magnitudeBinEdges.length && magnitude >= magnitudeBinEdges[bin]!) bin++;
    magnitudeHistogram[bin]! += 1 / n;
    if (magnitude > 0.1) {
      const angle = Math.atan2(-dy, dx); // y grows downwards in images
      const direction =
        Math.floor((((angle + 2 * Math.PI) % (2 * Math.PI)) / (2 * Math.PI)) * numDirectionBins) %
        numDirectionBins;
      directionHistogram[direction]! += magnitude / n;
    }
  }
  return {
    motionEnergy: energy / n,
    meanMagnitude: magnitudeSum / n,
    magnitudeHistogram,
    directionHistogram,
  };
}

/** Normalised gray-level histogram (32 bins) of a gray frame. */
export function grayHistogram(gray: Uint8Array): Float32Array {
  const histogram = new Float32Array(32);
  for (let i = 0; i < gray.length; i++) histogram[gray[i]! >> 3]! += 1 / gray.length;
  return histogram;
}
