// `v2meow corpus build|info|midi`: builds the codec training corpus from folders of audio, describes one,
// and writes generated General MIDI pieces to render with fluidsynth. Calls src/data's library functions.
import { parseArgs } from 'node:util';
import {
  type BuildProgressEvent,
  buildCorpus,
  type CorpusIndex,
  describeCorpus,
  formatHours,
  parseSplit,
  readCorpusIndex,
  writeMidiPieces,
} from '../../data/index.js';
import { checkOutputFolder } from '../../util/outputPath.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';
import {
  fileProgressLine,
  type InfoAction,
  requiredOutput,
  runInfo,
  sourceBuildOptions,
} from '../sourceBuild.js';

const usage = `usage:
  v2meow corpus build SRC_DIR... -o OUT_DIR [--seconds 2] [--sample-rate 16000] [--split 0.9,0.05,0.05]
                      [--seed 0] [--hold-out PATH]... [--jobs 2] [--silence-db -60] [--segments-per-shard 512]
  v2meow corpus info DIR [--json]
  v2meow corpus midi -o DIR [--count 100] [--seconds 90] [--seed 1]

build   Folders of audio (any file ffmpeg reads; SRC_DIR or NAME=SRC_DIR) -> fixed-length mono PCM16 shards,
        shuffled, split train/validation/test by source file (hash of its relative path and the seed), with
        index.json recording each segment's source and offset and each file's license. Rerunning after an
        interruption resumes: finished source files are not decoded again. --hold-out leaves files or
        folders out of every split (evaluation clips). Unreadable files are skipped with a warning.
info    Hours per split and per source folder, shards, licenses, skipped and held-out files.
midi    Writes random but musical General MIDI pieces (chords, bass, melody, drums; 60-180 bpm).`;

/** One stderr line per event; the shard phase rewrites a single line. */
function printProgress(event: BuildProgressEvent): void {
  if (event.kind === 'scan')
    process.stderr.write(`corpus: ${event.files} candidate files, ${event.heldOut} held out\n`);
  else if (event.kind === 'warning') process.stderr.write(`corpus: warning: ${event.message}\n`);
  else if (event.kind === 'source')
    process.stderr.write(
      fileProgressLine(
        event,
        () => `${event.durationSeconds.toFixed(1)} s, ${event.numSegments} segments, ${event.split}`,
      ),
    );
  else
    process.stderr.write(
      `shards ${event.done}/${event.total} ${event.file}${event.done === event.total ? '\n' : '\r'}`,
    );
}

/** Seeds: whole numbers that stay exact in every hash and generator that uses them. */
const seedRule = { integer: true, min: 0, max: 2 ** 31 - 1 };

async function build(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...sourceBuildOptions,
      seconds: { type: 'string' },
      'sample-rate': { type: 'string' },
      'silence-db': { type: 'string' },
      'segments-per-shard': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('give at least one SRC_DIR');
  const outDir = requiredOutput(values.output);
  const index = await buildCorpus({
    sources: positionals,
    outDir,
    segmentSeconds: numberOption(values.seconds, '--seconds', 2, { min: 0.1, max: 600 }),
    sampleRateHz: numberOption(values['sample-rate'], '--sample-rate', 16000, {
      integer: true,
      min: 1000,
      max: 192000,
    }),
    split: values.split ? parseSplit(values.split) : undefined,
    seed: numberOption(values.seed, '--seed', 0, seedRule),
    heldOut: values['hold-out'] ?? [],
    jobs: numberOption(values.jobs, '--jobs', 2, { integer: true, min: 1, max: 64 }),
    silenceThresholdDb: numberOption(values['silence-db'], '--silence-db', -60, { min: -200, max: 0 }),
    segmentsPerShard: numberOption(values['segments-per-shard'], '--segments-per-shard', 512, {
      integer: true,
      min: 1,
      max: 65536,
    }),
    onProgress: printProgress,
  });
  const { hours } = index.totals;
  process.stdout.write(
    `${outDir}: ${formatHours(hours.all)} in ${index.shards.length} shards ` +
      `(train ${hours.train.toFixed(2)} h, validation ${hours.validation.toFixed(2)} h, test ${hours.test.toFixed(2)} h); ` +
      `${index.skipped.length} skipped, ${index.heldOut.length} held out\n`,
  );
  return 0;
}

const info: InfoAction<CorpusIndex> = {
  what: 'corpus',
  read: readCorpusIndex,
  summary: ({ shards, sources, ...summary }) => ({
    ...summary,
    numShards: shards.length,
    numSources: sources.length,
  }),
  describe: describeCorpus,
};

function midi(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      count: { type: 'string' },
      seconds: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.output) throw new UsageError('-o DIR is required');
  const count = numberOption(values.count, '--count', 100, { integer: true, min: 1, max: 100000 });
  const seconds = numberOption(values.seconds, '--seconds', 90, { min: 1, max: 3600 });
  const seed = numberOption(values.seed, '--seed', 1, seedRule);
  checkOutputFolder(values.output);
  const files = writeMidiPieces(values.output, count, seconds, seed);
  process.stdout.write(`${values.output}: ${files.length} MIDI files\n`);
  return 0;
}

export const corpusCommand: Command = {
  name: 'corpus',
  summary: 'build, describe and feed the codec training corpus (PCM16 shards + index)',
  usage,
  async run(args) {
    const [action, ...rest] = args;
    if (action === 'build') return build(rest);
    if (action === 'info') return runInfo(rest, info);
    if (action === 'midi') return midi(rest);
    throw new UsageError(action ? `unknown action '${action}'` : 'give an action: build, info or midi');
  },
};
