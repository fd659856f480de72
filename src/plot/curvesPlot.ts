// Rhythm curves over time (src/features/curves.ts): one lane per channel (onset, beat phase, downbeat, energy,
// boundary), each curve set (e.g. from the music and from the picture of one video) overlaid in its colour, so
// one can see whether the two agree.
import { V2meowError } from '../errors.js';
import { type CurveSet, curveNames } from '../features/streams.js';
import { createFigure, drawAxes, niceTicks, plotFont, saveFigure } from './figure.js';

export interface CurveSeries {
  /** Legend label, e.g. 'music' or 'video'. */
  readonly label: string;
  readonly curves: CurveSet;
}

export interface CurvesPlotOptions {
  readonly title?: string;
  /** Seconds added to the time axis labels (the start of the plotted window); default 0. */
  readonly startSec?: number;
  readonly width?: number;
}

const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e'];
const laneHeight = 80;

/** Renders curve sets to a PNG at `path`, one lane per channel. Throws BAD_ARGUMENT when given nothing. */
export async function plotCurves(
  series: readonly CurveSeries[],
  path: string,
  options: CurvesPlotOptions = {},
): Promise<void> {
  if (series.length === 0) throw new V2meowError('BAD_ARGUMENT', 'no curves to plot', path);
  const startSec = options.startSec ?? 0;
  const seconds = Math.max(...series.map((s) => s.curves.numFrames / s.curves.rateHz), 1e-3);
  const lanes = curveNames.length;
  const figure = createFigure(options.width ?? 1200, lanes * laneHeight + 100, options.title);
  const { context, area } = figure;
  const px = (sec: number) => area.left + (sec / seconds) * area.width;
  const xTicks = niceTicks(startSec, startSec + seconds, 10).map((t) => ({
    offset: px(t - startSec) - area.left,
    label: `${t}`,
  }));
  drawAxes(figure, xTicks, [], 'time (s)', '');
  const lane = area.height / lanes;
  context.font = `12px ${plotFont()}`;
  curveNames.forEach((name, c) => {
    const top = area.top + c * lane;
    const signed = name === 'beatSin' || name === 'beatCos';
    const py = (v: number) => top + lane - 4 - (signed ? (v + 1) / 2 : v) * (lane - 8);
    context.strokeStyle = '#dddddd';
    context.beginPath();
    context.moveTo(area.left, Math.round(top + lane) + 0.5);
    context.lineTo(area.left + area.width, Math.round(top + lane) + 0.5);
    context.stroke();
    context.fillStyle = '#333333';
    context.textAlign = 'right';
    context.textBaseline = 'middle';
    context.fillText(name, area.left - 6, top + lane / 2);
    series.forEach((s, i) => {
      const { curves } = s;
      context.strokeStyle = colours[i % colours.length]!;
      context.lineWidth = 1.2;
      context.beginPath();
      for (let k = 0; k < curves.numFrames; k++) {
        const x = px((k + 0.5) / curves.rateHz);
        const y = py(curves.data[k * curves.dim + c]!);
        if (k === 0) context.moveTo(x, y);
        else context.lineTo(x, y);
      }
      context.stroke();
    });
  });
  context.textAlign = 'left';
  context.textBaseline = 'middle';
  series.forEach((s, i) => {
    const x = area.left + area.width - 160 + 80 * i;
    context.fillStyle = colours[i % colours.length]!;
    context.fillRect(x, 8, 14, 4);
    context.fillStyle = '#222222';
    context.fillText(s.label, x + 18, 10);
  });
  await saveFigure(figure, path);
}
