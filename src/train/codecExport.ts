// Exports a trained codec as the committed default (weights/codec/): the codec alone (no optimizer state)
// as codec.safetensors, and codec.json beside it recording what it was trained on and how: the corpus
// (hours per split and source, licenses), the recipe, the steps, the git commit, and optional eval figures.
// The training run's log.jsonl and loss.png, when they sit beside the source, travel along as
// train-log.jsonl and loss.png.
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadCodec, saveCodec } from '../codec/soundstream.js';
import { readCorpusIndex } from '../data/corpusFormat.js';

export interface CodecExportOptions {
  /** A training checkpoint or best.safetensors. */
  readonly source: string;
  /** Output folder (weights/codec). */
  readonly outDir: string;
  /** Corpus folder the codec was trained on (summarised into the provenance). */
  readonly corpusDir: string;
  /** Anything else to record (eval table, the command that made it). */
  readonly extra?: Record<string, unknown>;
}

/** Writes outDir/codec.safetensors, codec.json (and the run's log and plot); returns the provenance written. */
export function exportCodec(o: CodecExportOptions): Record<string, unknown> {
  const { codec, provenance, rest } = loadCodec(o.source);
  for (const t of rest.values()) t.dispose();
  const index = readCorpusIndex(o.corpusDir);
  const record = {
    ...provenance,
    ...o.extra,
    corpus: {
      dir: o.corpusDir,
      createdAt: index.createdAt,
      hours: index.totals.hours,
      bySource: index.totals.bySource,
      sourceFolders: index.sourceFolders,
      heldOut: index.heldOut,
      licenses: [...new Set(index.licenses.flatMap((l) => l.names ?? []))].sort(),
    },
    config: codec.config,
    numParameters: codec.numParameters(),
    exportedFrom: o.source,
    exportedAt: new Date().toISOString(),
  };
  saveCodec(join(o.outDir, 'codec.safetensors'), codec, record);
  writeFileSync(join(o.outDir, 'codec.json'), `${JSON.stringify(record, null, 2)}\n`);
  const runDir = dirname(o.source);
  for (const [from, to] of [
    ['log.jsonl', 'train-log.jsonl'],
    ['loss.png', 'loss.png'],
  ] as const)
    if (existsSync(join(runDir, from))) copyFileSync(join(runDir, from), join(o.outDir, to));
  codec.dispose();
  return record;
}
