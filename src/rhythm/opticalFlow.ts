// Dense optical flow by pyramidal Lucas-Kanade (Lucas & Kanade 1981; coarse-to-fine as in Bouguet 2001), on
// small grayscale frames: per pixel, the 2x2 structure tensor of the previous frame's gradients summed over a
// (2r+1)^2 window (box sums via integral images) solves for the displacement that explains the temporal
// difference to the warped next frame. A few warp-and-solve iterations per pyramid level.

export interface GrayImage {
  readonly width: number;
  readonly height: number;
  /** Row-major intensities [height, width]. */
  readonly data: Float32Array;
}

/** Flow field: per pixel displacement in pixels from the previous to the next frame, [height, width] each. */
export interface FlowField {
  readonly width: number;
  readonly height: number;
  readonly dx: Float32Array;
  readonly dy: Float32Array;
}

export interface OpticalFlowOptions {
  /** Pyramid levels including full resolution; default 3. */
  readonly levels?: number;
  /** Window radius in pixels; default 2 (5x5 window). */
  readonly windowRadius?: number;
  /** Warp-and-solve iterations per level; default 2. */
  readonly iterations?: number;
}

/** Gray bytes [height, width] to a float image in [0, 255]. */
export function grayImage(bytes: Uint8Array, width: number, height: number): GrayImage {
  return { width, height, data: Float32Array.from(bytes.subarray(0, width * height)) };
}

function downsample(image: GrayImage): GrayImage {
  const width = Math.max(1, image.width >> 1);
  const height = Math.max(1, image.height >> 1);
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const x0 = Math.min(2 * x, image.width - 1);
      const y0 = Math.min(2 * y, image.height - 1);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const y1 = Math.min(y0 + 1, image.height - 1);
      const d = image.data;
      data[y * width + x] =
        0.25 *
        (d[y0 * image.width + x0]! +
          d[y0 * image.width + x1]! +
          d[y1 * image.width + x0]! +
          d[y1 * image.width + x1]!);
    }
  }
  return { width, height, data };
}

function sample(image: GrayImage, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), image.width - 1.001);
  const cy = Math.min(Math.max(y, 0), image.height - 1.001);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const fx = cx - x0;
  const fy = cy - y0;
  const i = y0 * image.width + x0;
  const d = image.data;
  const right = x0 + 1 < image.width ? 1 : 0;
  const down = y0 + 1 < image.height ? image.width : 0;
  return (
    (d[i]! * (1 - fx) + d[i + right]! * fx) * (1 - fy) +
    (d[i + down]! * (1 - fx) + d[i + down + right]! * fx) * fy
  );
}

/** Box sums over a (2r+1)^2 window of each of `maps` via one integral image per map. */
function boxSums(maps: Float32Array[], width: number, height: number, radius: number): Float32Array[] {
  return maps.map((map) => {
    const integral = new Float64Array((width + 1) * (height + 1));
    for (let y = 0; y < height; y++) {
      let row = 0;
      for (let x = 0; x < width; x++) {
        row += map[y * width + x]!;
        integral[(y + 1) * (width + 1) + x + 1] = integral[y * (width + 1) + x + 1]! + row;
      }
    }
    const out = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      const top = Math.max(0, y - radius);
      const bottom = Math.min(height, y + radius + 1);
      for (let x = 0; x < width; x++) {
        const left = Math.max(0, x - radius);
        const right = Math.min(width, x + radius + 1);
        out[y * width + x] =
          integral[bottom * (width + 1) + right]! -
          integral[top * (width + 1) + right]! -
          integral[bottom * (width + 1) + left]! +
          integral[top * (width + 1) + left]!;
      }
    }
    return out;
  });
}

function solveLevel(
  previous: GrayImage,
  next: GrayImage,
  flow: FlowField,
  radius: number,
  iterations: number,
): void {
  const { width, height } = previous;
  const n = width * height;
  const gradientX = new Float32Array(n);
  const gradientY = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const left = previous.data[y * width + Math.max(0, x - 1)]!;
      const right = previous.data[y * width + Math.min(width - 1, x + 1)]!;
      const up = previous.data[Math.max(0, y - 1) * width + x]!;
      const down = previous.data[Math.min(height - 1, y + 1) * width + x]!;
      gradientX[i] = 0.5 * (right - left);
      gradientY[i] = 0.5 * (down - up);
    }
  }
  const [sumXX, sumXY, sumYY] = boxSums(
    [gradientX.map((g) => g * g), gradientX.map((g, i) => g * gradientY[i]!), gradientY.map((g) => g * g)],
    width,
    height,
    radius,
  );
  const productX = new Float32Array(n);
  const productY = new Float32Array(n);
  for (let iteration = 0; iteration < iterations; iteration++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const temporal = sample(next, x + flow.dx[i]!, y + flow.dy[i]!) - previous.data[i]!;
        productX[i] = gradientX[i]! * temporal;
        productY[i] = gradientY[i]! * temporal;
      }
    }
    const [sumXT, sumYT] = boxSums([productX, productY], width, height, radius);
    for (let i = 0; i < n; i++) {
      const a = sumXX![i]!;
      const b = sumXY![i]!;
      const c = sumYY![i]!;
      const determinant = a * c - b * b;
      // Skip flat or aperture-limited windows (tiny smallest eigenvalue): no reliable flow there.
      const trace = a + c;
      if (determinant < 1e-3 * trace * trace || trace < 1e-2) continue;
      const updateX = (-c * sumXT![i]! + b * sumYT![i]!) / determinant;
      const updateY = (b * sumXT![i]! - a * sumYT![i]!) / determinant;
      flow.dx[i]! += Math.max(-2, Math.min(2, updateX));
      flow.dy[i]! += Math.max(-2, Math.min(2, updateY));
    }
  }
}

/** Dense flow from `previous` to `next` (same size). */
export function opticalFlow(
  previous: GrayImage,
  next: GrayImage,
  options: OpticalFlowOptions = {},
): FlowField {
  const levels = options.levels ?? 3;
  const radius = options.windowRadius ?? 2;
  const iterations = options.iterations ?? 2;
  const pyramidPrevious = [previous];
  const pyramidNext = [next];
  for (
    let level = 1;
    level < levels && pyramidPrevious[level - 1]!.width >= 16 && pyramidPrevious[level - 1]!.height >= 16;
    level++
  ) {
    pyramidPrevious.push(downsample(pyramidPrevious[level - 1]!));
    pyramidNext.push(downsample(pyramidNext[level - 1]!));
  }
  let flow: FlowField | undefined;
  for (let level = pyramidPrevious.length - 1; level >= 0; level--) {
    const image = pyramidPrevious[level]!;
    const current: FlowField = {
      width: image.width,
      height: image.height,
      dx: new Float32Array(image.width * image.height),
      dy: new Float32Array(image.width * image.height),
    };
    if (flow) {
      // Upsample the coarser flow (nearest coarse pixel) and double it.
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          const coarse = Math.min(flow.height - 1, y >> 1) * flow.width + Math.min(flow.width - 1, x >> 1);
          current.dx[y * image.width + x] = 2 * flow.dx[coarse]!;
          current.dy[y * image.width + x] = 2 * flow.dy[coarse]!;
        }
      }
    }
    solveLevel(image, pyramidNext[level]!, current, radius, iterations);
    flow = current;
  }
  return flow!;
}
