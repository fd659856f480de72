// `v2meow dataset info`: a training set's hours by split, by kind (paired / music-only) and by source folder,
// its featurizers, licences and skipped files, for the terminal (the parts shared with `v2meow corpus info`
// are in src/data/indexCommon.ts).
import {
  alignedTable,
  formatHours,
  hoursCells,
  licenseCountLines,
  skippedAndHeldOutLines,
  sourceHoursRows,
  splitNames,
} from '../data/indexCommon.js';
import { type DatasetIndex, exampleKinds } from './format.js';

/** Hours table rows: by kind, then by source folder, then the total. */
export function datasetHoursTable(index: DatasetIndex): string[] {
  const { totals } = index;
  const rows = [
    ...exampleKinds.map((kind) => [
      `kind ${kind}`,
      String(index.examples.filter((e) => e.kind === kind).length),
      ...hoursCells(totals.byKind[kind]),
    ]),
    ...sourceHoursRows(totals.bySource, 'source '),
    ['total', String(index.examples.length), ...hoursCells(totals.hours)],
  ];
  return alignedTable(['hours', 'files', ...splitNames, 'all'], rows);
}

/** Multi-line description of a dataset. */
export function describeDataset(index: DatasetIndex): string {
  const { settings, totals } = index;
  return [
    `dataset v${index.version}: ${formatHours(totals.hours.all)} in ${index.examples.length} examples ` +
      `(${exampleKinds.map((kind) => `${kind} ${formatHours(totals.byKind[kind].all)}`).join(', ')})`,
    `split ${splitNames.map((split) => settings.split[split]).join('/')} by source file, seed ${settings.seed}`,
    `featurizers: ${Object.entries(settings.featurizers)
      .map(([part, id]) => `${part} ${id}`)
      .join(', ')}`,
    '',
    ...datasetHoursTable(index).map((row) => `  ${row}`),
    '',
    'licences (files):',
    ...licenseCountLines(index.examples, index.licenses),
    ...skippedAndHeldOutLines(index),
  ].join('\n');
}
