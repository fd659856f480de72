// Shared figure plumbing for PNG plots over @napi-rs/canvas (Skia; prebuilt Linux binary from npm): a system
// sans-serif font (Debian fonts-dejavu-core), plot-area margins, axis ticks and labels, atomic PNG output.
import { existsSync } from 'node:fs';
import { type Canvas, createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { writeFileAtomically } from '../media/atomicFile.js';

const fontFiles = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'];
let fontFamily: string | undefined;

/** Registers DejaVu Sans when present (apt: fonts-dejavu-core); falls back to Skia's default sans-serif. */
export function plotFont(): string {
  if (fontFamily) return fontFamily;
  fontFamily = 'sans-serif';
  for (const file of fontFiles) {
    if (existsSync(file) && GlobalFonts.registerFromPath(file, 'PlotSans')) {
      fontFamily = 'PlotSans';
      break;
    }
  }
  return fontFamily;
}

/** Pixel rectangle of the data area inside the figure. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface Figure {
  readonly canvas: Canvas;
  readonly context: SKRSContext2D;
  readonly area: PlotArea;
}

/** A white figure of width x height pixels with room for a title and axis labels. */
export function createFigure(width: number, height: number, title?: string): Figure {
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  const top = title ? 40 : 16;
  const area = { left: 72, top, width: width - 72 - 24, height: height - top - 52 };
  if (title) {
    context.fillStyle = '#111111';
    context.font = `bold 16px ${plotFont()}`;
    context.textAlign = 'center';
    context.textBaseline = 'middle';
    context.fillText(title, width / 2, 20);
  }
  return { canvas, context, area };
}

export interface Tick {
  /** Position in pixels along the axis, from the area's left (x) or bottom (y). */
  readonly offset: number;
  readonly label: string;
}

/** Draws the area frame, x and y ticks with labels, and axis titles. */
export function drawAxes(
  figure: Figure,
  xTicks: readonly Tick[],
  yTicks: readonly Tick[],
  xTitle: string,
  yTitle: string,
): void {
  const { context, area } = figure;
  const bottom = area.top + area.height;
  context.strokeStyle = '#333333';
  context.lineWidth = 1;
  context.strokeRect(area.left + 0.5, area.top + 0.5, area.width, area.height);
  context.fillStyle = '#222222';
  context.font = `12px ${plotFont()}`;
  context.textAlign = 'center';
  context.textBaseline = 'top';
  for (const tick of xTicks) {
    const x = Math.round(area.left + tick.offset) + 0.5;
    context.beginPath();
    context.moveTo(x, bottom);
    context.lineTo(x, bottom + 5);
    context.stroke();
    context.fillText(tick.label, x, bottom + 8);
  }
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (const tick of yTicks) {
    const y = Math.round(bottom - tick.offset) + 0.5;
    context.beginPath();
    context.moveTo(area.left - 5, y);
    context.lineTo(area.left, y);
    context.stroke();
    context.fillText(tick.label, area.left - 8, y);
  }
  context.font = `13px ${plotFont()}`;
  context.textAlign = 'center';
  context.textBaseline = 'bottom';
  context.fillText(xTitle, area.left + area.width / 2, figure.canvas.height - 6);
  context.save();
  context.translate(16, area.top + area.height / 2);
  context.rotate(-Math.PI / 2);
  context.textBaseline = 'middle';
  context.fillText(yTitle, 0, 0);
  context.restore();
}

/** About `count` round tick values covering [low, high] (1, 2, 5 x 10^k steps). */
export function niceTicks(low: number, high: number, count = 6): number[] {
  if (!(high > low)) return [low];
  const rough = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + 1e-9; value += step)
    ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/** Encodes the figure as PNG and writes it through a temporary file. */
export async function saveFigure(figure: Figure, path: string): Promise<void> {
  const png = await figure.canvas.encode('png');
  await writeFileAtomically(path, png);
}
