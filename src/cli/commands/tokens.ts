// `v2meow tokens measure|fit|encode`: chooses, fits and runs the semantic tokenizer (MusiCNN frame features +
// k-means, src/tokens). Calls the library functions of src/tokens.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { V2meowError } from '../../errors.js';
import { decodeAudio } from '../../media/audio.js';
import {
  corpusProvenance,
  defaultFitOptions,
  fitSemanticTokenizerFromCache,
  fitSemanticTokenizerOnCorpus,
} from '../../tokens/fitSemantic.js';
import {
  defaultMeasureOptions,
  formatMeasureTable,
  measureSemanticCandidates,
} from '../../tokens/measure.js';
import { parseLayer, parsePooling } from '../../tokens/musicnnFeatures.js';
import { loadSemanticTokenizer } from '../../tokens/musicnnKmeans.js';
import { tokenUsage } from '../../tokens/tokenMetrics.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage:
  v2meow tokens measure --corpus DIR [--fit-segments 3000] [--validation-segments 500] [--layers midend,all]
                        [--pooling mean,meanMax] [--k 256,1024] [--max-fit-frames 60000] [--iterations 200]
                        [--seed 0] [--codec FILE] [--json FILE] [--cache DIR] [--msd]
  v2meow tokens fit --corpus DIR -o DIR [--layer midend] [--pooling mean] [--k 1024] [--segments 3000]
                    [--max-fit-frames 120000] [--iterations 300] [--seed 0] [--from-cache CACHE_DIR/train-...]
                    [--note TEXT]
  v2meow tokens encode FILE [--tokenizer DIR] [--json]

measure  Fits each layer x pooling x K candidate on 10 s train clips and prints a Markdown table of
         H(codec level 1 | token), a linear probe's top-tag accuracy, and token usage on validation clips.
         --msd also probes the top MSD tag (one more MusiCNN pass); --cache keeps the MusiCNN features
         and codec codes of the clips for later runs.
fit      Fits the semantic tokenizer on train clips and writes DIR/semantic.safetensors + semantic.json.
         --from-cache fits on the train features a 'measure --cache' run kept (no MusiCNN pass).
encode   Prints the 25 Hz semantic tokens of an audio file (a summary, or all of them with --json).
Layers: timbral, temporal, frontend, midend, cnn3, all. --tokenizer defaults to the committed weights/semantic.`;

const count = { min: 1, integer: true } as const;

function list<T>(text: string | undefined, fallback: readonly T[], parse: (item: string) => T): T[] {
  return text === undefined ? [...fallback] : text.split(',').map((s) => parse(s.trim()));
}

const log = (message: string) => process.stderr.write(`${message}\n`);

async function measure(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      corpus: { type: 'string' },
      'fit-segments': { type: 'string' },
      'validation-segments': { type: 'string' },
      layers: { type: 'string' },
      pooling: { type: 'string' },
      k: { type: 'string' },
      'max-fit-frames': { type: 'string' },
      iterations: { type: 'string' },
      seed: { type: 'string' },
      codec: { type: 'string' },
      json: { type: 'string' },
      cache: { type: 'string' },
      msd: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.corpus) throw new UsageError('--corpus DIR is required');
  if (values.json && !existsSync(dirname(resolve(values.json))))
    throw new V2meowError('FILE_NOT_FOUND', 'folder of --json does not exist', values.json);
  const d = defaultMeasureOptions;
  const report = await measureSemanticCandidates({
    corpusDir: values.corpus,
    fitSegments: numberOption(values['fit-segments'], '--fit-segments', d.fitSegments, count),
    validationSegments: numberOption(
      values['validation-segments'],
      '--validation-segments',
      d.validationSegments,
      count,
    ),
    segmentsPerClip: d.segmentsPerClip,
    layers: list(values.layers, d.layers, parseLayer),
    poolings: list(values.pooling, d.poolings, parsePooling),
    vocabularySizes: list(values.k, d.vocabularySizes, (s) =>
      numberOption(s, '--k', 0, { min: 2, integer: true }),
    ),
    patchHopSeconds: d.patchHopSeconds,
    maxFitFrames: numberOption(values['max-fit-frames'], '--max-fit-frames', d.maxFitFrames, count),
    kmeansIterations: numberOption(values.iterations, '--iterations', d.kmeansIterations, count),
    seed: numberOption(values.seed, '--seed', d.seed, { integer: true }),
    codecPath: values.codec,
    cacheDir: values.cache,
    msdLabels: values.msd ?? false,
    log,
  });
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatMeasureTable(report)}\n`);
  return 0;
}

async function fit(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      corpus: { type: 'string' },
      output: { type: 'string', short: 'o' },
      layer: { type: 'string' },
      pooling: { type: 'string' },
      k: { type: 'string' },
      segments: { type: 'string' },
      'max-fit-frames': { type: 'string' },
      iterations: { type: 'string' },
      seed: { type: 'string' },
      'from-cache': { type: 'string' },
      note: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.corpus) throw new UsageError('--corpus DIR is required');
  if (!values.output) throw new UsageError('-o DIR is required');
  if (existsSync(values.output) && !statSync(values.output).isDirectory())
    throw new V2meowError('BAD_ARGUMENT', 'output exists and is not a folder', values.output);
  if (!existsSync(dirname(resolve(values.output))))
    throw new V2meowError('FILE_NOT_FOUND', 'parent folder of the output does not exist', values.output);
  const d = defaultFitOptions;
  const settings = {
    ...d.settings,
    layer: values.layer ? parseLayer(values.layer) : d.settings.layer,
    pooling: values.pooling ? parsePooling(values.pooling) : d.settings.pooling,
    numClusters: numberOption(values.k, '--k', d.settings.numClusters, { min: 2, integer: true }),
  };
  const fitOptions = {
    settings,
    maxFitFrames: numberOption(values['max-fit-frames'], '--max-fit-frames', d.maxFitFrames, count),
    kmeansIterations: numberOption(values.iterations, '--iterations', d.kmeansIterations, count),
    seed: numberOption(values.seed, '--seed', d.seed, { integer: true }),
    log,
  };
  const provenance = {
    command: `v2meow tokens fit ${args.join(' ')}`,
    gitCommit: process.env.V2MEOW_GIT_COMMIT,
  };
  const fromCache = values['from-cache'];
  const tokenizer = fromCache
    ? await fitSemanticTokenizerFromCache(dirname(fromCache), basename(fromCache), fitOptions, {
        ...provenance,
        corpus: corpusProvenance(values.corpus),
      })
    : await fitSemanticTokenizerOnCorpus(
        values.corpus,
        numberOption(values.segments, '--segments', 3000, count),
        defaultMeasureOptions.segmentsPerClip,
        fitOptions,
        provenance,
      );
  try {
    tokenizer.save(values.output);
    process.stdout.write(`${values.output}: ${tokenizer.id}\n`);
  } finally {
    tokenizer.dispose();
  }
  return 0;
}

async function encode(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { tokenizer: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('give one audio FILE');
  const samples = await decodeAudio(positionals[0]!, { sampleRateHz: 16000 });
  const tokenizer = await loadSemanticTokenizer(values.tokenizer);
  try {
    const tokens = tokenizer.tokenize(samples);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ tokenizer: tokenizer.id, frameRateHz: tokenizer.frameRateHz, vocabularySize: tokenizer.vocabularySize, tokens: [...tokens] })}\n`,
      );
    } else {
      const usage = tokenUsage(tokens, tokenizer.vocabularySize);
      const head = [...tokens.subarray(0, 25)].join(' ');
      process.stdout.write(
        `${positionals[0]}: ${tokens.length} tokens (${(tokens.length / tokenizer.frameRateHz).toFixed(2)} s at ${tokenizer.frameRateHz} Hz), ` +
          `${usage.used} distinct of ${tokenizer.vocabularySize}, perplexity ${usage.perplexity.toFixed(1)}\n` +
          `first second: ${head}${tokens.length > 25 ? ' ...' : ''}\ntokenizer: ${tokenizer.id}\n`,
      );
    }
  } finally {
    tokenizer.dispose();
  }
  return 0;
}

export const tokensCommand: Command = {
  name: 'tokens',
  summary: 'measure, fit and run the 25 Hz semantic tokenizer (MusiCNN features + k-means)',
  usage,
  async run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === 'measure') return measure(rest);
    if (sub === 'fit') return fit(rest);
    if (sub === 'encode') return encode(rest);
    throw new UsageError(usage);
  },
};
