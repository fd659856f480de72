// What the index is rebuilt from: the metadata of each example file and the skip records, and the totals
// (hours by split, by kind and by source folder) that `dataset info` prints.
import { readFileSync } from 'node:fs';
import type { SplitName } from '../data/corpusFormat.js';
import { V2meowError } from '../errors.js';
import {
  type DatasetTotals,
  datasetFormatVersion,
  type ExampleKind,
  type ExampleMetadata,
  type ExampleRecord,
  exampleFormatName,
  exampleKinds,
} from './format.js';
import { TensorFile } from './tensorFile.js';

/** The metadata of an example file (header only); BAD_FORMAT / VERSION_MISMATCH naming the file. */
export function readExampleMetadata(path: string): ExampleMetadata {
  const file = TensorFile.open(path);
  try {
    return exampleMetadataOf(file);
  } finally {
    file.close();
  }
}

/** The checked metadata of an open example file. */
export function exampleMetadataOf(file: TensorFile): ExampleMetadata {
  const { metadata } = file;
  if (metadata.format !== exampleFormatName || metadata.example === undefined)
    throw new V2meowError('BAD_FORMAT', 'not a v2meow dataset example', file.path);
  if (metadata.version !== String(datasetFormatVersion))
    throw new V2meowError(
      'VERSION_MISMATCH',
      `example format version ${metadata.version}, this v2meow reads ${datasetFormatVersion}`,
      file.path,
    );
  let parsed: ExampleMetadata;
  try {
    parsed = JSON.parse(metadata.example) as ExampleMetadata;
  } catch (error) {
    throw new V2meowError('BAD_FORMAT', 'example metadata is not valid JSON', file.path, { cause: error });
  }
  const semantic = file.entry('semantic');
  const acoustic = file.entry('acoustic');
  if (semantic.shape[0] !== parsed.numSemanticFrames || acoustic.shape[1] !== parsed.numAcousticFrames)
    throw new V2meowError('BAD_FORMAT', 'example tensors disagree with its metadata', file.path);
  return parsed;
}

/** The reason in a skip record, or undefined when it is unreadable. */
export function readSkipRecord(path: string): string | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as { format?: string; reason?: string };
    return record.format === exampleFormatName && typeof record.reason === 'string'
      ? record.reason
      : undefined;
  } catch {
    return undefined;
  }
}

type Hours = Record<SplitName | 'all', number>;
const zero = (): Hours => ({ train: 0, validation: 0, test: 0, all: 0 });
const rounded = (hours: Hours): Hours => {
  const out = zero();
  for (const key of Object.keys(hours) as (keyof Hours)[])
    out[key] = Math.round((hours[key] / 3600) * 1e4) / 1e4;
  return out;
};

/** Hours by split, by kind and by source folder (seconds summed, then rounded to 1e-4 h). */
export function datasetTotals(examples: readonly ExampleRecord[]): DatasetTotals {
  const all = zero();
  const byKind = Object.fromEntries(exampleKinds.map((kind) => [kind, zero()])) as Record<ExampleKind, Hours>;
  const bySource = new Map<string, { seconds: Hours; files: number }>();
  for (const example of examples) {
    const entry = bySource.get(example.source) ?? { seconds: zero(), files: 0 };
    entry.files++;
    bySource.set(example.source, entry);
    for (const target of [all, byKind[example.kind], entry.seconds]) {
      target[example.split] += example.durationSec;
      target.all += example.durationSec;
    }
  }
  return {
    hours: rounded(all),
    byKind: Object.fromEntries(
      exampleKinds.map((kind) => [kind, rounded(byKind[kind])]),
    ) as DatasetTotals['byKind'],
    bySource: Object.fromEntries(
      [...bySource].map(([name, entry]) => [name, { ...rounded(entry.seconds), files: entry.files }]),
    ),
  };
}
