// Pure image helpers on packed RGB uint8 frames (row-major [height, width, 3]): centre crop, letterbox
// padding and bilinear resize, used to bring video frames to an encoder's square input.

/** A packed RGB frame. */
export interface RgbFrame {
  /** [height * width * 3] bytes, row-major, R G B. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** The largest centred square of a frame. */
export function centerCropSquare(frame: RgbFrame): RgbFrame {
  const side = Math.min(frame.width, frame.height);
  const left = Math.floor((frame.width - side) / 2);
  const top = Math.floor((frame.height - side) / 2);
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const from = ((top + y) * frame.width + left) * 3;
    data.set(frame.data.subarray(from, from + side * 3), y * side * 3);
  }
  return { data, width: side, height: side };
}

/** Pads a frame with black to a centred square (keeps the whole picture); returns the offsets used. */
export function padToSquare(frame: RgbFrame): { frame: RgbFrame; left: number; top: number } {
  const side = Math.max(frame.width, frame.height);
  const left = Math.floor((side - frame.width) / 2);
  const top = Math.floor((side - frame.height) / 2);
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < frame.height; y++) {
    const from = y * frame.width * 3;
    data.set(frame.data.subarray(from, from + frame.width * 3), ((top + y) * side + left) * 3);
  }
  return { frame: { data, width: side, height: side }, left, top };
}

/**
 * Bilinear resize with half-pixel centres (the convention of ffmpeg's and TF's `half_pixel_centers`).
 * Returns the input unchanged when the size already matches.
 */
export function resizeBilinear(frame: RgbFrame, width: number, height: number): RgbFrame {
  if (frame.width === width && frame.height === height) return frame;
  const data = new Uint8Array(width * height * 3);
  const scaleX = frame.width / width;
  const scaleY = frame.height / height;
  for (let y = 0; y < height; y++) {
    const sourceY = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), frame.height - 1);
    const y0 = Math.floor(sourceY);
    const y1 = Math.min(y0 + 1, frame.height - 1);
    const wy = sourceY - y0;
    for (let x = 0; x < width; x++) {
      const sourceX = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), frame.width - 1);
      const x0 = Math.floor(sourceX);
      const x1 = Math.min(x0 + 1, frame.width - 1);
      const wx = sourceX - x0;
      for (let c = 0; c < 3; c++) {
        const top =
          frame.data[(y0 * frame.width + x0) * 3 + c]! * (1 - wx) +
          frame.data[(y0 * frame.width + x1) * 3 + c]! * wx;
        const bottom =
          frame.data[(y1 * frame.width + x0) * 3 + c]! * (1 - wx) +
          frame.data[(y1 * frame.width + x1) * 3 + c]! * wx;
        data[(y * width + x) * 3 + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { data, width, height };
}
