// Stacked bar plots of pairwise preferences in the style of the paper's Figs. 10-12: one PNG per question,
// one horizontal bar per system pair split into strong X / weak X / no preference / weak Y / strong Y, with
// X named at the bar's left end and Y at its right. Drawn with @napi-rs/canvas (DejaVu Sans when installed).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { writeFileAtomically } from '../media/index.js';
import { type QuestionId, questions } from './questions.js';
import type { Comparison, StudyReport } from './report.js';

/** Segment colours: strong/weak X in blues, no preference grey, weak/strong Y in oranges. */
export const segmentColors = ['#1f5fb4', '#8fb7ea', '#c9ccd1', '#f3bf8b', '#d9731a'] as const;
const segmentNames = ['strong X', 'weak X', 'no preference', 'weak Y', 'strong Y'];

let fontFamily = 'sans-serif';
const dejaVu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
if (existsSync(dejaVu) && GlobalFonts.registerFromPath(dejaVu, 'DejaVu Sans')) fontFamily = 'DejaVu Sans';

/** PNG bytes of the stacked bars for `rows` (comparisons of one question). */
export function renderStackedBars(rows: readonly Comparison[], title: string): Buffer {
  const scale = 2; // draw at 2x for crisp text
  const labelWidth = 150;
  const barWidth = 520;
  const rowHeight = 34;
  const top = 58;
  const legendHeight = 44;
  const width = labelWidth * 2 + barWidth + 20;
  const height = top + Math.max(1, rows.length) * rowHeight + legendHeight;
  const canvas = createCanvas(width * scale, height * scale);
  const context = canvas.getContext('2d');
  context.scale(scale, scale);
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  context.fillStyle = '#1d2330';
  context.font = `bold 15px "${fontFamily}"`;
  context.textBaseline = 'middle';
  context.fillText(title, 10, 18);
  context.font = `12px "${fontFamily}"`;
  context.fillStyle = '#5b6475';
  context.fillText('share of ratings; X = left system, Y = right system', 10, 38);
  const left = labelWidth + 10;
  rows.forEach((row, index) => {
    const y = top + index * rowHeight;
    let x = left;
    row.shares.forEach((share, segment) => {
      const segmentWidth = share * barWidth;
      context.fillStyle = segmentColors[segment]!;
      context.fillRect(x, y + 4, segmentWidth, rowHeight - 8);
      if (share >= 0.08) {
        context.fillStyle = segment === 0 || segment === 4 ? '#ffffff' : '#1d2330';
        context.font = `11px "${fontFamily}"`;
        context.textAlign = 'center';
        context.fillText(`${Math.round(share * 100)}%`, x + segmentWidth / 2, y + rowHeight / 2);
      }
      x += segmentWidth;
    });
    if (row.ratings === 0) {
      context.strokeStyle = '#c9ccd1';
      context.strokeRect(left, y + 4, barWidth, rowHeight - 8);
    }
    context.fillStyle = '#1d2330';
    context.font = `12px "${fontFamily}"`;
    context.textAlign = 'right';
    context.fillText(row.first, left - 8, y + rowHeight / 2);
    context.textAlign = 'left';
    context.fillText(`${row.second}  (n=${row.ratings})`, left + barWidth + 8, y + rowHeight / 2);
  });
  // Legend.
  let x = 10;
  const legendY = top + Math.max(1, rows.length) * rowHeight + 18;
  context.font = `12px "${fontFamily}"`;
  context.textAlign = 'left';
  segmentNames.forEach((name, segment) => {
    context.fillStyle = segmentColors[segment]!;
    context.fillRect(x, legendY - 7, 14, 14);
    context.fillStyle = '#1d2330';
    context.fillText(name, x + 19, legendY);
    x += 19 + context.measureText(name).width + 22;
  });
  return canvas.toBuffer('image/png');
}

/** Writes `<dir>/<question>.png` for both questions; returns question id -> file name. */
export async function writeReportPlots(
  report: StudyReport,
  dir: string,
): Promise<Record<QuestionId, string>> {
  const files = {} as Record<QuestionId, string>;
  for (const question of questions) {
    const rows = report.comparisons.filter((row) => row.question === question.id);
    const name = `${question.id}.png`;
    await writeFileAtomically(
      join(dir, name),
      renderStackedBars(rows, `${question.label}: ${question.text}`),
    );
    files[question.id] = name;
  }
  return files;
}
