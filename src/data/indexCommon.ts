// What the codec corpus's index (corpusFormat.ts, `v2meow corpus`) and the training set's index
// (src/dataset/format.ts, `v2meow dataset`) have in common: splits, hours by split and source folder, licence
// records, skipped and held-out files, reading a versioned OUT_DIR/index.json, and the `info` lines for them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';

export const splitNames = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof splitNames)[number];

/** Fractions of source files per split; they sum to 1. */
export type SplitFractions = Readonly<Record<SplitName, number>>;

/** Hours per split and over all splits. */
export type SplitHours = Readonly<Record<SplitName | 'all', number>>;

/** Hours of one source folder per split, with its number of source files. */
export type SourceFolderHours = SplitHours & { files: number };

/** A license file found for one or more source files. */
export interface LicenseRecord {
  /** Index into the index's `licenses`. */
  readonly id: number;
  /** Where the license was found: a sibling file, a file in an enclosing folder, or a Debian package. */
  readonly kind: 'sibling' | 'folder' | 'debian';
  /** Absolute path of the license/copyright file as found at build time. */
  readonly file: string;
  /** Debian package owning the source files, when kind is 'debian'. */
  readonly debianPackage?: string;
  /** License names read from the file (SPDX-like short names, best effort), e.g. ['CC-BY-SA-3.0']. */
  readonly names: readonly string[];
  /** Copy of the license text inside the output folder, relative to it. */
  readonly copy: string;
}

/** A source file that could not be read, with the reason. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** The name and version an index file must carry. */
export interface IndexKind {
  /** What the index describes, as in the command's name: 'corpus' or 'dataset'. */
  readonly what: string;
  /** Value of the index's `format` field. */
  readonly formatName: string;
  /** The one value of its `version` field this v2meow reads. */
  readonly version: number;
}

/** The index file of an output folder. */
export const indexFileName = 'index.json';

/**
 * Reads DIR/index.json and checks that it is a JSON object with the right format name and version; the
 * caller checks the other fields of its format I. Throws V2meowError naming the file.
 */
export function readIndexFile<I>(dir: string, kind: IndexKind): { path: string; index: I } {
  const path = join(dir, indexFileName);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new V2meowError(
      'FILE_NOT_FOUND',
      `no ${kind.what} index (was \`v2meow ${kind.what} build\` run and finished?)`,
      path,
    );
  }
  let index: { format?: unknown; version?: unknown };
  try {
    index = JSON.parse(text);
  } catch (error) {
    throw new V2meowError('BAD_FORMAT', `${kind.what} index is not valid JSON`, path, { cause: error });
  }
  if (typeof index !== 'object' || index === null || Array.isArray(index))
    throw new V2meowError('BAD_FORMAT', `${kind.what} index is not a JSON object`, path);
  if (index.format !== kind.formatName)
    throw new V2meowError('BAD_FORMAT', `not a v2meow ${kind.what} index`, path);
  if (index.version !== kind.version)
    throw new V2meowError(
      'VERSION_MISMATCH',
      `${kind.what} format version ${index.version}, this v2meow reads ${kind.version}`,
      path,
    );
  return { path, index: index as I };
}

/** Hours as `h:mm` plus decimal hours, e.g. `5:32 (5.53 h)`. */
export function formatHours(hours: number): string {
  const minutes = Math.round(hours * 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')} (${hours.toFixed(2)} h)`;
}

/** Table cells of one row of hours: each split, then all, with 3 decimals. */
export function hoursCells(hours: SplitHours): string[] {
  return [...splitNames, 'all' as const].map((split) => hours[split].toFixed(3));
}

/** Header and rows as lines, columns two spaces apart: the first padded right, the others left (numbers). */
export function alignedTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)];
}

/** One table row per source folder: `labelPrefix + name`, its file count, its hours per split and all. */
export function sourceHoursRows(
  bySource: Readonly<Record<string, SourceFolderHours>>,
  labelPrefix = '',
): string[][] {
  return Object.entries(bySource).map(([name, entry]) => [
    `${labelPrefix}${name}`,
    String(entry.files),
    ...hoursCells(entry),
  ]);
}

/**
 * `  NAMES: COUNT` lines, one per set of licence names (joined with ' + '; 'unknown' for files without a
 * licence file), most files first.
 */
export function licenseCountLines(
  files: readonly { readonly licenseId: number | null }[],
  licenses: readonly LicenseRecord[],
): string[] {
  const counts = new Map<string, number>();
  for (const file of files) {
    const names = file.licenseId === null ? 'unknown' : licenses[file.licenseId]!.names.join(' + ') || '?';
    counts.set(names, (counts.get(names) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([names, count]) => `  ${names}: ${count}`);
}

/** The `skipped (unreadable): N` and `held out: N` lines, each followed by its files, one a line. */
export function skippedAndHeldOutLines(index: {
  readonly skipped: readonly SkippedFile[];
  readonly heldOut: readonly string[];
}): string[] {
  return [
    `skipped (unreadable): ${index.skipped.length}${index.skipped.map((entry) => `\n  ${entry.path}: ${entry.reason}`).join('')}`,
    `held out: ${index.heldOut.length}${index.heldOut.map((path) => `\n  ${path}`).join('')}`,
  ];
}
