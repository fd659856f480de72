// Mel-spectrogram figure like V2Meow's figures 5 and 6: log-mel image (magma), time axis in seconds, frequency
// axis in Hz at mel-spaced positions, optional beat ticks (and stronger downbeat ticks) and a title.
import type { LogMelSpectrogram, MelScale } from '../dsp/mel.js';
import { hzToMel } from '../dsp/mel.js';
import { magma } from './colormap.js';
import { createFigure, drawAxes, niceTicks, saveFigure, type Tick } from './figure.js';

export interface MelPlotOptions {
  readonly title?: string;
  /** Beat times in seconds, drawn as ticks above the image. */
  readonly beatsSec?: readonly number[];
  /** Downbeat times in seconds, drawn as longer ticks. */
  readonly downbeatsSec?: readonly number[];
  /** A video's visual beats in seconds, drawn in a top row above the music's beats (V2Meow Figs. 5-6). */
  readonly videoBeatsSec?: readonly number[];
  /** A video's scene cuts in seconds, drawn as longer marks in the same top row. */
  readonly cutsSec?: readonly number[];
  /** Band range and scale the spectrogram was computed with; default 0..sampleRateHz/2, Slaney. */
  readonly minHz?: number;
  readonly maxHz?: number;
  readonly scale?: MelScale;
  /** Figure size in pixels; default 1000 x 420. */
  readonly width?: number;
  readonly height?: number;
}

/** Renders a log-mel spectrogram [numFrames, numMels] (dB) to a PNG at `path`. */
export async function plotMelSpectrogram(
  mel: LogMelSpectrogram,
  path: string,
  options: MelPlotOptions = {},
): Promise<void> {
  const figure = createFigure(options.width ?? 1000, options.height ?? 420, options.title);
  const { context, area } = figure;
  const { numFrames, numMels, data } = mel;
  let low = Infinity;
  let high = -Infinity;
  for (const v of data) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  const range = high - low || 1;
  const image = context.createImageData(area.width, area.height);
  for (let y = 0; y < area.height; y++) {
    const band = Math.min(numMels - 1, Math.floor(((area.height - 1 - y) / area.height) * numMels));
    for (let x = 0; x < area.width; x++) {
      const frame = Math.min(numFrames - 1, Math.floor((x / area.width) * numFrames));
      const [r, g, b] = magma((data[frame * numMels + band]! - low) / range);
      const offset = 4 * (y * area.width + x);
      image.data[offset] = r;
      image.data[offset + 1] = g;
      image.data[offset + 2] = b;
      image.data[offset + 3] = 255;
    }
  }
  context.putImageData(image, area.left, area.top);

  const durationSec = (numFrames * mel.hopSamples) / mel.sampleRateHz;
  const xTicks: Tick[] = niceTicks(0, durationSec, 10).map((t) => ({
    offset: (t / durationSec) * area.width,
    label: `${t}`,
  }));
  const scale = options.scale ?? 'slaney';
  const minMel = hzToMel(options.minHz ?? 0, scale);
  const maxMel = hzToMel(options.maxHz ?? mel.sampleRateHz / 2, scale);
  const yTicks: Tick[] = [0, 250, 500, 1000, 2000, 4000, 8000, 16000]
    .filter((hz) => hz >= (options.minHz ?? 0) && hz <= (options.maxHz ?? mel.sampleRateHz / 2))
    .map((hz) => ({
      offset: ((hzToMel(hz, scale) - minMel) / (maxMel - minMel)) * area.height,
      label: hz >= 1000 ? `${hz / 1000}k` : `${hz}`,
    }));
  drawAxes(figure, xTicks, yTicks, 'time (s)', 'frequency (Hz)');

  // with video marks: the video's row on top (10% of the height), the music's beats below it
  const videoRow = options.videoBeatsSec || options.cutsSec ? area.height * 0.1 : 0;
  const drawTicks = (
    times: readonly number[],
    length: number,
    colour: string,
    width: number,
    top = area.top + videoRow,
  ) => {
    context.strokeStyle = colour;
    context.lineWidth = width;
    for (const time of times) {
      if (time < 0 || time > durationSec) continue;
      const x = Math.round(area.left + (time / durationSec) * area.width) + 0.5;
      context.beginPath();
      context.moveTo(x, top);
      context.lineTo(x, top + length);
      context.stroke();
    }
  };
  if (options.beatsSec) drawTicks(options.beatsSec, area.height * 0.12, '#00e5ff', 1.5);
  if (options.downbeatsSec) drawTicks(options.downbeatsSec, area.height * 0.25, '#ffffff', 2);
  if (videoRow > 0) {
    context.fillStyle = '#000000';
    context.fillRect(area.left, area.top, area.width, videoRow);
    if (options.videoBeatsSec) drawTicks(options.videoBeatsSec, videoRow * 0.6, '#ffa500', 1.5, area.top);
    if (options.cutsSec) drawTicks(options.cutsSec, videoRow, '#ff3030', 3, area.top);
  }
  await saveFigure(figure, path);
}
