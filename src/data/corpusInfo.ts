// Human-readable summary of a corpus index (`v2meow corpus info`): settings, hours per split and per source
// folder, shards, licenses and what was skipped or held out (the parts shared with `v2meow dataset info` are
// in indexCommon.ts).
import { type CorpusIndex, splitNames } from './corpusFormat.js';
import {
  alignedTable,
  formatHours,
  hoursCells,
  licenseCountLines,
  skippedAndHeldOutLines,
  sourceHoursRows,
} from './indexCommon.js';

/** A table of hours: one row per source folder plus a total, one column per split. */
export function hoursTable(index: CorpusIndex): string[] {
  return alignedTable(
    ['source', 'files', ...splitNames, 'all'],
    [
      ...sourceHoursRows(index.totals.bySource),
      ['total', String(index.sources.length), ...hoursCells(index.totals.hours)],
    ],
  );
}

/** Multi-line description of a corpus for the terminal. */
export function describeCorpus(index: CorpusIndex): string {
  const { settings, totals } = index;
  return [
    `corpus v${index.version}, built ${index.createdAt}`,
    `segments: ${settings.segmentSeconds} s at ${settings.sampleRateHz} Hz (${settings.segmentSamples} samples, PCM16), ` +
      `split ${splitNames.map((split) => settings.split[split]).join('/')} by source file, seed ${settings.seed}`,
    `total: ${formatHours(totals.hours.all)} in ${totals.segments.all} segments from ${index.sources.length} files; ` +
      splitNames.map((split) => `${split} ${formatHours(totals.hours[split])}`).join(', '),
    `shards: ${index.shards.length} (${splitNames.map((split) => `${index.shards.filter((s) => s.split === split).length} ${split}`).join(', ')})`,
    '',
    'hours per source folder:',
    ...hoursTable(index).map((row) => `  ${row}`),
    '',
    'licenses (files):',
    ...licenseCountLines(index.sources, index.licenses),
    ...skippedAndHeldOutLines(index),
    ...(index.emptyFolders.length ? [`empty folders: ${index.emptyFolders.join(', ')}`] : []),
  ].join('\n');
}
