// Builds the committed style prototype table (weights/style/prototypes.*) from the music corpus's sources:
//   measure LOG.jsonl NAME=DIR... [--hold-out PATH]... [--max-clips N] [--seed S]
//     decodes 10 s clips of each source file at 16 kHz (of its consecutive 10 s slots, at most N, spread
//     evenly), and appends one JSON line per file with the clips' MusiCNN MTT + MSD style vectors (clipStyle.ts).
//     Files are visited round-robin over the sources, so a partial log covers every source; rerunning skips
//     the files already in the log. Splits: the corpus builder's (assignSplit, seed S, 0.9/0.05/0.05).
//   pack --out OUTDIR [--max-clips N] [--command TEXT] LOG.jsonl...
//     writes OUTDIR/prototypes.{json,f16} from the logs (at most N clips per file, spread evenly),
//     recording TEXT (the commands that made the logs) as provenance.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  listSourceFiles,
  parseSourceFolders,
  resolveHeldOut,
  type SourceFile,
} from '../src/data/sourceFiles.js';
import { assignSplit, defaultSplit } from '../src/data/split.js';
import { clipStyleVector, styleSegmentSeconds } from '../src/encoders/clipStyle.js';
import { MusicnnStyleEncoder } from '../src/encoders/musicnn.js';
import { styleLabels } from '../src/encoders/styleLabels.js';
import {
  type PrototypeRow,
  type PrototypeSplit,
  prototypesFormat,
  prototypesVersion,
  savePrototypes,
} from '../src/encoders/stylePrototypes.js';
import { decodeAudio, probe } from '../src/media/index.js';
import { tidy } from '../src/torch/index.js';

const sampleRateHz = 16000;

interface LogLine {
  key: string;
  split: PrototypeSplit;
  durationSec: number;
  clips: { startSec: number; vector: number[] }[];
}

function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as LogLine);
}

/** Round-robin over the sources' file lists. */
function interleave(lists: SourceFile[][]): SourceFile[] {
  const out: SourceFile[] = [];
  for (let i = 0; lists.some((list) => i < list.length); i++)
    for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}

async function measure(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'hold-out': { type: 'string', multiple: true },
      'max-clips': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const [logPath, ...folderArgs] = positionals;
  if (!logPath || folderArgs.length === 0) throw new Error('measure LOG.jsonl NAME=DIR...');
  const maxClips = Number(values['max-clips'] ?? 1e9);
  const seed = Number(values.seed ?? 0);
  const heldOut = resolveHeldOut(values['hold-out'] ?? []);
  const done = new Set(readLog(logPath).map((line) => line.key));
  const files = interleave(parseSourceFolders(folderArgs).map((f) => listSourceFiles(f, heldOut).files));
  const todo = files.filter((file) => !done.has(file.key));
  process.stderr.write(`${files.length} files, ${todo.length} to measure\n`);
  const encoder = await MusicnnStyleEncoder.fromPretrained();
  const clipSamples = styleSegmentSeconds * sampleRateHz;
  let index = 0;
  for (const file of todo) {
    index++;
    // Decode only the picked clips (probe for the duration first): decoding whole tracks dominated the cost.
    let durationSec: number;
    let clips: LogLine['clips'];
    try {
      durationSec = (await probe(file.path)).durationSec;
      const count = Math.floor(durationSec / styleSegmentSeconds);
      const take = Math.min(count, maxClips);
      clips = [];
      for (let i = 0; i < take; i++) {
        const startSec = Math.floor((i * count) / take) * styleSegmentSeconds;
        const samples = await decodeAudio(file.path, {
          sampleRateHz,
          startSec,
          durationSec: styleSegmentSeconds,
        });
        if (samples.length < clipSamples * 0.95) continue;
        const vector = tidy(() => clipStyleVector(encoder, samples.subarray(0, clipSamples)));
        clips.push({ startSec, vector: Array.from(vector, (v) => Number(v.toPrecision(5))) });
      }
    } catch (error) {
      process.stderr.write(`skip ${file.key}: ${(error as Error).message}\n`);
      continue;
    }
    const line: LogLine = {
      key: file.key,
      split: assignSplit(file.key, seed, defaultSplit),
      durationSec,
      clips,
    };
    appendFileSync(logPath, `${JSON.stringify(line)}\n`);
    process.stderr.write(`[${index}/${todo.length}] ${file.key}: ${clips.length} clips\n`);
  }
  encoder.dispose();
}

async function pack(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, command: { type: 'string' }, 'max-clips': { type: 'string' } },
  });
  if (!values.out || positionals.length === 0)
    throw new Error('pack --out DIR [--command TEXT] [--max-clips N] LOG.jsonl...');
  const maxClips = Number(values['max-clips'] ?? 1e9);
  const lines = positionals.flatMap(readLog).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows: PrototypeRow[] = [];
  const values16: number[] = [];
  for (const line of lines) {
    const count = Math.min(line.clips.length, maxClips);
    for (let i = 0; i < count; i++) {
      const clip = line.clips[Math.floor((i * line.clips.length) / count)]!;
      rows.push({ key: line.key, startSec: clip.startSec, split: line.split });
      values16.push(...clip.vector);
    }
  }
  const labels = styleLabels();
  const sources = [...new Set(lines.map((line) => line.key.split('/')[0]!))];
  await savePrototypes(values.out, {
    format: prototypesFormat,
    version: prototypesVersion,
    dim: labels.length,
    labels,
    rows,
    provenance: {
      encoder: 'musicnn-mtt-msd (MusicnnStyleEncoder, clipStyleVector)',
      clipSeconds: styleSegmentSeconds,
      sampleRateHz,
      sources,
      files: lines.length,
      split: 'assignSplit(key, seed 0, train 0.9 / validation 0.05 / test 0.05), as the corpus builder',
      command: values.command ?? '',
      maxClipsPerFile: Number.isFinite(maxClips) && maxClips < 1e9 ? maxClips : null,
      date: new Date().toISOString().slice(0, 10),
    },
    vectors: Float32Array.from(values16),
  });
  process.stderr.write(`${rows.length} clips from ${lines.length} files -> ${values.out}\n`);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'measure') await measure(rest);
else if (mode === 'pack') await pack(rest);
else {
  process.stderr.write('usage: style-prototypes measure|pack ...\n');
  process.exit(2);
}
