// Training loss curves: one polyline per named series of (step, value) points, linear axes, a legend.
import { V2meowError } from '../errors.js';
import { createFigure, drawAxes, niceTicks, plotFont, saveFigure, type Tick } from './figure.js';

export interface LossSeries {
  /** Legend label, e.g. 'train' or 'validation'. */
  readonly name: string;
  /** Training steps (x), ascending. */
  readonly steps: readonly number[];
  /** Loss values (y), same length as steps. */
  readonly values: readonly number[];
}

export interface LossPlotOptions {
  readonly title?: string;
  /** Plot log10(loss) on the y axis; default false. */
  readonly logScale?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** Axis titles (default 'step' and 'loss'). */
  readonly xLabel?: string;
  readonly yLabel?: string;
}

const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** Renders loss curves to a PNG at `path`. Throws BAD_ARGUMENT for empty or mismatched series. */
export async function plotLossCurves(
  series: readonly LossSeries[],
  path: string,
  options: LossPlotOptions = {},
): Promise<void> {
  const points = series.flatMap((s) => {
    if (s.steps.length !== s.values.length || s.steps.length === 0)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `loss series '${s.name}' needs as many steps as values (at least one)`,
        path,
      );
    return s.steps.map((step, i) => [step, s.values[i]!] as const);
  });
  if (points.length === 0) throw new V2meowError('BAD_ARGUMENT', 'no loss series to plot', path);
  const transform = (v: number) => (options.logScale ? Math.log10(Math.max(v, 1e-12)) : v);
  const finite = points.filter(([, v]) => Number.isFinite(transform(v)));
  const xLow = Math.min(...finite.map(([s]) => s));
  const xHigh = Math.max(...finite.map(([s]) => s), xLow + 1);
  let yLow = Math.min(...finite.map(([, v]) => transform(v)));
  let yHigh = Math.max(...finite.map(([, v]) => transform(v)));
  if (yHigh - yLow < 1e-9) [yLow, yHigh] = [yLow - 0.5, yHigh + 0.5];
  const padding = 0.05 * (yHigh - yLow);
  [yLow, yHigh] = [yLow - padding, yHigh + padding];

  const figure = createFigure(options.width ?? 800, options.height ?? 480, options.title);
  const { context, area } = figure;
  const px = (step: number) => area.left + ((step - xLow) / (xHigh - xLow)) * area.width;
  const py = (value: number) =>
    area.top + area.height - ((transform(value) - yLow) / (yHigh - yLow)) * area.height;
  const xTicks: Tick[] = niceTicks(xLow, xHigh).map((s) => ({ offset: px(s) - area.left, label: `${s}` }));
  const yTicks: Tick[] = niceTicks(yLow, yHigh).map((v) => ({
    offset: area.top + area.height - py(options.logScale ? 10 ** v : v),
    label: options.logScale ? `1e${v}` : `${v}`,
  }));
  const yLabel = options.yLabel ?? 'loss';
  drawAxes(
    figure,
    xTicks,
    yTicks,
    options.xLabel ?? 'step',
    options.logScale ? `${yLabel} (log scale)` : yLabel,
  );
  context.save();
  context.beginPath();
  context.rect(area.left, area.top, area.width, area.height);
  context.clip();
  series.forEach((s, index) => {
    context.strokeStyle = colours[index % colours.length]!;
    context.lineWidth = 2;
    context.beginPath();
    s.steps.forEach((step, i) => {
      if (i === 0) context.moveTo(px(step), py(s.values[i]!));
      else context.lineTo(px(step), py(s.values[i]!));
    });
    context.stroke();
  });
  context.restore();
  context.font = `12px ${plotFont()}`;
  context.textAlign = 'left';
  context.textBaseline = 'middle';
  // The legend sits inside the top-right corner, as wide as its longest name.
  const legendWidth = 26 + Math.max(...series.map((s) => context.measureText(s.name).width)) + 8;
  series.forEach((s, index) => {
    const y = area.top + 14 + 18 * index;
    const x = area.left + area.width - legendWidth;
    context.fillStyle = colours[index % colours.length]!;
    context.fillRect(x, y - 2, 20, 4);
    context.fillStyle = '#222222';
    context.fillText(s.name, x + 26, y);
  });
  await saveFigure(figure, path);
}
