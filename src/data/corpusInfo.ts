// Human-readable summary of a corpus index (`v2meow corpus info`): settings, hours per split and per source
// folder, shards, licenses and what was skipped or held out.
import { type CorpusIndex, splitNames } from './corpusFormat.js';

/** Hours as `h:mm` plus decimal hours, e.g. `5:32 (5.53 h)`. */
export function formatHours(hours: number): string {
  const minutes = Math.round(hours * 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')} (${hours.toFixed(2)} h)`;
}

/** A table of hours: one row per source folder plus a total, one column per split. */
export function hoursTable(index: CorpusIndex): string[] {
  const header = ['source', 'files', ...splitNames, 'all'];
  const rows = Object.entries(index.totals.bySource).map(([name, entry]) => [
    name,
    String(entry.files),
    ...splitNames.map((split) => entry[split].toFixed(3)),
    entry.all.toFixed(3),
  ]);
  rows.push([
    'total',
    String(index.sources.length),
    ...splitNames.map((split) => index.totals.hours[split].toFixed(3)),
    index.totals.hours.all.toFixed(3),
  ]);
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)];
}

/** Multi-line description of a corpus for the terminal. */
export function describeCorpus(index: CorpusIndex): string {
  const { settings, totals } = index;
  const licenseNames = new Map<string, number>();
  for (const source of index.sources) {
    const names =
      source.licenseId === null ? 'unknown' : index.licenses[source.licenseId]!.names.join(' + ') || '?';
    licenseNames.set(names, (licenseNames.get(names) ?? 0) + 1);
  }
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
    ...[...licenseNames].sort((a, b) => b[1] - a[1]).map(([names, count]) => `  ${names}: ${count}`),
    `skipped (unreadable): ${index.skipped.length}${index.skipped.map((entry) => `\n  ${entry.path}: ${entry.reason}`).join('')}`,
    `held out: ${index.heldOut.length}${index.heldOut.map((path) => `\n  ${path}`).join('')}`,
    ...(index.emptyFolders.length ? [`empty folders: ${index.emptyFolders.join(', ')}`] : []),
  ].join('\n');
}
