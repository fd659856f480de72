// `v2meow dataset info`: a training set's hours by split, by kind (paired / music-only) and by source folder,
// its featurizers, licences and skipped files, for the terminal.
import { splitNames } from '../data/corpusFormat.js';
import { formatHours } from '../data/corpusInfo.js';
import { type DatasetIndex, exampleKinds } from './format.js';

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)];
}

/** Hours table rows: by kind, then by source folder, then the total. */
export function datasetHoursTable(index: DatasetIndex): string[] {
  const { totals } = index;
  const hours = (entry: Record<string, number>) =>
    [...splitNames, 'all'].map((split) => entry[split]!.toFixed(3));
  const count = (pick: (e: DatasetIndex['examples'][number]) => boolean) =>
    String(index.examples.filter(pick).length);
  const rows = [
    ...exampleKinds.map((kind) => [
      `kind ${kind}`,
      count((e) => e.kind === kind),
      ...hours(totals.byKind[kind]),
    ]),
    ...Object.entries(totals.bySource).map(([name, entry]) => [
      `source ${name}`,
      String(entry.files),
      ...hours(entry),
    ]),
    ['total', String(index.examples.length), ...hours(totals.hours)],
  ];
  return table(['hours', 'files', ...splitNames, 'all'], rows);
}

/** Multi-line description of a dataset. */
export function describeDataset(index: DatasetIndex): string {
  const { settings, totals } = index;
  const licenseNames = new Map<string, number>();
  for (const example of index.examples) {
    const names =
      example.licenseId === null ? 'unknown' : index.licenses[example.licenseId]!.names.join(' + ') || '?';
    licenseNames.set(names, (licenseNames.get(names) ?? 0) + 1);
  }
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
    ...[...licenseNames].sort((a, b) => b[1] - a[1]).map(([names, count]) => `  ${names}: ${count}`),
    `skipped (unreadable): ${index.skipped.length}${index.skipped.map((entry) => `\n  ${entry.path}: ${entry.reason}`).join('')}`,
    `held out: ${index.heldOut.length}${index.heldOut.map((path) => `\n  ${path}`).join('')}`,
  ].join('\n');
}
