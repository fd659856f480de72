// `v2meow dataset build|info`: builds the V2Meow training set (videos with soundtracks and music alone ->
// cached, aligned examples) and describes one. Calls src/dataset's library functions.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatHours } from '../../data/indexCommon.js';
import { parseSplit } from '../../data/split.js';
import {
  buildDataset,
  type DatasetIndex,
  type DatasetProgressEvent,
  defaultDatasetSplit,
  describeDataset,
  readDatasetIndex,
} from '../../dataset/index.js';
import { PairDataset } from '../../dataset/reader.js';
import { realFeaturizerSpec, type StandInPart, standInParts } from '../../dataset/realFeaturizer.js';
import { styleLabels } from '../../encoders/styleLabels.js';
import { savePrototypes } from '../../encoders/stylePrototypes.js';
import { V2meowError } from '../../errors.js';
import { saveStylePrompts, stylePriorTable, stylePromptsOf } from '../../generate/stylePrior.js';
import { datasetFacts } from '../../train/stageData.js';
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
  v2meow dataset build [--videos DIR]... [--music DIR]... -o OUT_DIR [--jobs 1] [--seed 0] [--split 0.8]
                       [--hold-out PATH]... [--codec FILE] [--semantic DIR] [--stand-in semantic,curves,visual]
  v2meow dataset info DIR [--json]
  v2meow dataset style-prior DIR -o OUT_DIR [--split train] [--prompt-seconds 2]

build   Folders of videos with soundtracks (--videos, paired examples) and of music alone (--music, music-only
        examples; DIR or NAME=DIR, repeatable) -> one example file per source file under OUT_DIR/examples
        (semantic tokens, the codec's 12-level tokens, style vector, rhythm curves from the music and, for
        videos, from the picture, and the visual streams) + OUT_DIR/index.json. Split by source file (hash of
        its path and --seed): --split 0.8 is train 0.8 / validation 0.2; or three fractions train,validation,test.
        Examples are cached by content hash and featurizer ids: rebuilding processes only new or changed files,
        and a killed build resumes. Unreadable files are skipped and reported. --jobs N runs N worker processes.
        --stand-in replaces parts that are not merged yet by cheap stand-ins (recorded in the examples' ids).
info    Hours by split, kind (paired / music) and source folder; featurizers, licences, skipped files.
style-prior
        The style vectors of the split's examples as a style prior folder (prototypes.json + .f16): text ->
        the style of the training music nearest it; with --prompt-seconds S (default 2; 0: none) also S
        seconds of each example's tokens (its loudest window), the style prompts generation can continue
        (prompts.json + .u16). A bundle takes it with \`train export --part
        stylePrior=OUT_DIR\` and \`--generation '{"stylePriorK":8}'\` (docs/style.md).`;

function printProgress(event: DatasetProgressEvent): void {
  if (event.kind === 'scan')
    process.stderr.write(
      `dataset: ${event.files} files (${event.cached} cached, ${event.files - event.cached} to featurize), ${event.heldOut} held out\n`,
    );
  else if (event.kind === 'warning') process.stderr.write(`dataset: warning: ${event.message}\n`);
  else
    process.stderr.write(
      fileProgressLine(
        event,
        () =>
          `${event.durationSec.toFixed(1)} s in ${event.seconds.toFixed(1)} s (${(event.durationSec / Math.max(event.seconds, 1e-3)).toFixed(1)}x real time)`,
      ),
    );
}

/** `--split 0.8` (train, the rest validation) or `--split 0.8,0.1,0.1`. */
function splitOption(text: string | undefined) {
  if (text === undefined) return defaultDatasetSplit;
  if (text.includes(',')) return parseSplit(text);
  const train = numberOption(text, '--split', 0.8, { min: 0, max: 1 });
  return { train, validation: 1 - train, test: 0 };
}

function standInsOption(text: string | undefined): StandInPart[] {
  if (!text) return [];
  return text.split(',').map((part) => {
    if (!(standInParts as readonly string[]).includes(part))
      throw new UsageError(`--stand-in: unknown part '${part}' (want ${standInParts.join(', ')})`);
    return part as StandInPart;
  });
}

async function build(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...sourceBuildOptions,
      videos: { type: 'string', multiple: true },
      music: { type: 'string', multiple: true },
      codec: { type: 'string' },
      semantic: { type: 'string' },
      'stand-in': { type: 'string' },
    },
  });
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument '${positionals[0]}' (folders go after --videos or --music)`);
  if (!values.videos?.length && !values.music?.length)
    throw new UsageError('give at least one --videos or --music DIR');
  const outDir = requiredOutput(values.output);
  const jobs = numberOption(values.jobs, '--jobs', 1, { min: 1, max: 64, integer: true });
  const seed = numberOption(values.seed, '--seed', 0, { integer: true, min: 0 });
  const split = splitOption(values.split);
  for (const [flag, path] of [
    ['--codec', values.codec],
    ['--semantic', values.semantic],
  ] as const)
    if (path !== undefined && !existsSync(path))
      throw new V2meowError('FILE_NOT_FOUND', `${flag}: does not exist`, path);
  // the shared check before any work (an existing folder is resumed; a missing one needs its parent)
  checkOutputFolder(outDir);
  const spec = realFeaturizerSpec({
    ...(values.codec ? { codecPath: values.codec } : {}),
    ...(values.semantic ? { semanticTokenizerDir: values.semantic } : {}),
    standIns: standInsOption(values['stand-in']),
  });
  const started = performance.now();
  const result = await buildDataset({
    videos: values.videos ?? [],
    music: values.music ?? [],
    outDir,
    featurizer: spec,
    jobs,
    seed,
    split,
    heldOut: values['hold-out'] ?? [],
    onProgress: printProgress,
  });
  const { index } = result;
  const { hours, byKind } = index.totals;
  process.stdout.write(
    `${outDir}: ${formatHours(hours.all)} in ${index.examples.length} examples ` +
      `(paired ${byKind.paired.all.toFixed(3)} h, music ${byKind.music.all.toFixed(3)} h; ` +
      `train ${hours.train.toFixed(3)} h, validation ${hours.validation.toFixed(3)} h, test ${hours.test.toFixed(3)} h); ` +
      `${result.processed} featurized, ${result.cached} cached, ${index.skipped.length} skipped, ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

async function stylePrior(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      split: { type: 'string', default: 'train' },
      'prompt-seconds': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('give one dataset folder');
  const outDir = requiredOutput(values.output);
  if (values.split !== 'train' && values.split !== 'validation')
    throw new UsageError(`--split wants train or validation, got '${values.split}'`);
  const promptSeconds = numberOption(values['prompt-seconds'], '--prompt-seconds', 2, { min: 0, max: 10 });
  checkOutputFolder(outDir);
  const dataset = PairDataset.open(positionals[0]!);
  const table = stylePriorTable(dataset, styleLabels(), values.split);
  await savePrototypes(outDir, table);
  if (promptSeconds > 0) {
    const facts = datasetFacts(dataset);
    const prompts = stylePromptsOf(
      dataset,
      table,
      {
        semanticTokenizerId: facts.semanticTokenizerId,
        semanticVocabularySize: facts.semanticVocabularySize,
        codebookSize: facts.acousticCodebookSize,
      },
      promptSeconds,
    );
    await saveStylePrompts(outDir, prompts);
  }
  process.stdout.write(
    `${outDir}: style prior of ${table.rows.length} examples (${values.split} split of ${positionals[0]})` +
      `${promptSeconds > 0 ? `, with ${promptSeconds} s prompts` : ''}\n`,
  );
  return 0;
}

const info: InfoAction<DatasetIndex> = {
  what: 'dataset',
  read: readDatasetIndex,
  summary: ({ examples, licenses, ...summary }) => ({
    ...summary,
    numExamples: examples.length,
    licenses: licenses.map(({ id, names, file }) => ({ id, names, file })),
  }),
  describe: describeDataset,
};

export const datasetCommand: Command = {
  name: 'dataset',
  summary: 'build and describe the V2Meow training set (aligned tokens, curves, style and visual streams)',
  usage,
  async run(args) {
    const [action, ...rest] = args;
    if (action === 'build') return build(rest);
    if (action === 'info') return runInfo(rest, info);
    if (action === 'style-prior') return stylePrior(rest);
    throw new UsageError(
      action ? `unknown action '${action}'` : 'give an action: build, info or style-prior',
    );
  },
};
