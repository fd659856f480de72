// `v2meow codec encode|decode|eval|train`: audio <-> .v2c token files with the music codec, the codec
// evaluation against Opus and Lyra, and codec training. Calls src/codec, src/eval and src/train.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeToFile, encodeToFile, openCodec } from '../../codec/files.js';
import { firstLevelLoudness } from '../../codec/quietCodes.js';
import { type CodecPreset, codecPresets } from '../../codec/soundstream.js';
import { readTokenFile } from '../../codec/tokenFile.js';
import { V2meowError } from '../../errors.js';
import { evaluateCodecs, formatCodecTable } from '../../eval/codecEval.js';
import { assertDecodableAudio, probe } from '../../media/probe.js';
import { exportCodec } from '../../train/codecExport.js';
import { type CodecTrainOptions, defaultCodecTrainOptions, trainCodec } from '../../train/codecTrain.js';
import { launchFlagOptions, launchHelp, launchUsage, runLaunched } from '../../train/launch.js';
import { withFileSync } from '../../util/fileErrors.js';
import { checkOutputFile, checkOutputFolder } from '../../util/outputPath.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage:
  v2meow codec encode IN -o OUT.v2c [--codec FILE|lyra] [--levels K]
  v2meow codec decode IN.v2c -o OUT.wav [--codec FILE|lyra] [--levels K]
  v2meow codec eval FILES... [--codec FILE] [--seconds 20] [--start 0] [--corpus DIR [--corpus-segments 16]
                    [--corpus-split test|validation]]
                    [--json] [--no-opus] [--no-lyra] [--no-yamnet]
  v2meow codec quiet-codes [--codec FILE] [--below=-45] [--json]
  v2meow codec export CHECKPOINT -o OUT_DIR --corpus DIR [--eval REPORT.json] [--note TEXT]
  v2meow codec train --corpus DIR --out DIR [--preset default|debug] [--no-lyra-init] [--batch 16]
                     [--crop-seconds 1] [--lr 5e-5] [--warmup 100] [--decoder-steps 0] [--max-steps N] [--max-minutes M]
                     [--commit 0.01] [--yamnet-mel 0] [--musicnn 1] [--level-dropout 0.5] [--init CODEC_FILE]
                     [--kmeans-segments 3000] [--kmeans-iterations 12] [--checkpoint-minutes 4]
                     [--validate-every 100] [--no-validate-yamnet]
                     ${launchUsage}

encode  Audio (any file ffmpeg reads) -> token file (.v2c: codec id, sample rate, frame rate, levels, frames).
decode  Token file -> 16 kHz WAV. --levels decodes only the first K levels.
eval    Per clip and mean, at 4, 8 and 12 levels: mel-L1, log-spectral distance, SI-SDR and YAMNet-embedding
        cosine, beside Opus (ffmpeg libopus) at the same bitrates and Lyra v2 at 3.2 / 6 / 9.2 kbps.
        Clips: --seconds from --start of each file; --corpus adds evenly spread segments of a split (test;
        validation for choosing among checkpoints).
quiet-codes  The first-level codes whose decode (the code repeated, decoded alone) is quieter than --below dBFS,
        quietest first: what bundle.json generation.sampling.stage2.suppressPerLevel[0] lists so that stage 2
        cannot fall into silence (docs/default-model.md). --json prints the codes as one JSON list.
export  A checkpoint -> OUT_DIR/codec.safetensors (codec only) + codec.json (corpus, recipe, steps, commit).
train   Trains (or resumes) the codec: checkpoint.safetensors, best.safetensors, log.jsonl, loss.png in --out.
        It starts from Lyra's encoder/decoder with a k-means RVQ (--max-steps 0 writes just that), or from
        --init's weights. Loss: multi-scale STFT + mel-L1 + --commit x commitment, plus --musicnn x MusiCNN
        frame-feature distance and --yamnet-mel x YAMNet-frontend log-mel L1; --warmup ramps the lr. The
        defaults are the recipe of the committed codec (docs/codec.md). Validation (--validate-every) logs
        mel-L1 at 4, 8 and 12 levels and, unless --no-validate-yamnet, YAMNet cosine at 12 levels; the
        best validation mel-L1 is kept as best.safetensors. ${launchHelp}
--codec defaults to the committed weights/codec/codec.safetensors.`;

const whole = { integer: true, min: 0 };
const count = { integer: true, min: 1 };
const positive = { min: 0, exclusiveMin: true };
/** Loss weights. */
const weight = { min: 0, max: 1000 };

/**
 * The arguments of encode and decode: one input file, -o OUT (checked: ending in `extension`, not the input),
 * --codec and --levels. `wants` is the usage error's message.
 */
function fileArgs(args: string[], wants: string, extension: string) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      codec: { type: 'string' },
      levels: { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.output) throw new UsageError(wants);
  const input = positionals[0]!;
  const output = checkOutputFile(values.output, { extensions: [extension], inputs: [input] });
  return { values: { ...values, output: values.output }, input, output };
}

async function encode(args: string[]): Promise<number> {
  const { values, input, output } = fileArgs(args, 'encode wants one input file and -o OUT.v2c', '.v2c');
  assertDecodableAudio(await probe(input));
  const codec = openCodec(values.codec);
  const levels = numberOption(values.levels, '--levels', codec.numCodebooks, {
    ...count,
    max: codec.numCodebooks,
  });
  const info = await encodeToFile(codec, input, output, levels);
  process.stderr.write(`${values.output}: ${info.numLevels} x ${info.numFrames} tokens (${info.codec})\n`);
  return 0;
}

async function decode(args: string[]): Promise<number> {
  const { values, input, output } = fileArgs(args, 'decode wants one .v2c file and -o OUT.wav', '.wav');
  readTokenFile(input); // checked before the codec loads
  const codec = openCodec(values.codec);
  const levels = numberOption(values.levels, '--levels', undefined, { ...count, max: codec.numCodebooks });
  const seconds = await decodeToFile(codec, input, output, levels);
  process.stderr.write(`${values.output}: ${seconds.toFixed(2)} s at ${codec.sampleRateHz} Hz\n`);
  return 0;
}

async function evaluate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      codec: { type: 'string' },
      seconds: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-opus': { type: 'boolean', default: false },
      'no-lyra': { type: 'boolean', default: false },
      'no-yamnet': { type: 'boolean', default: false },
      start: { type: 'string' },
      corpus: { type: 'string' },
      'corpus-segments': { type: 'string' },
      'corpus-split': { type: 'string' },
    },
  });
  if (positionals.length === 0 && !values.corpus)
    throw new UsageError('eval wants audio files, --corpus DIR, or both');
  const split = values['corpus-split'] ?? 'test';
  if (split !== 'test' && split !== 'validation')
    throw new UsageError(`--corpus-split: test or validation, got '${split}'`);
  const options = {
    codecPath: values.codec,
    maxSeconds: numberOption(values.seconds, '--seconds', 20, { min: 0.1, max: 3600 }),
    startSec: numberOption(values.start, '--start', 0, { min: 0, max: 86400 }),
    corpusDir: values.corpus,
    corpusSegments: numberOption(values['corpus-segments'], '--corpus-segments', 16, {
      ...count,
      max: 100000,
    }),
    corpusSplit: split,
    opus: !values['no-opus'],
    lyra: !values['no-lyra'],
    yamnet: !values['no-yamnet'],
    progress: (m: string) => process.stderr.write(`${m}\n`),
  } as const;
  for (const file of positionals) assertDecodableAudio(await probe(file));
  const report = await evaluateCodecs(positionals, options);
  process.stdout.write(
    values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCodecTable(report)}\n`,
  );
  return 0;
}

async function train(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      corpus: { type: 'string' },
      out: { type: 'string' },
      preset: { type: 'string', default: 'default' },
      'no-lyra-init': { type: 'boolean', default: false },
      batch: { type: 'string' },
      'crop-seconds': { type: 'string' },
      lr: { type: 'string' },
      warmup: { type: 'string' },
      'decoder-steps': { type: 'string' },
      'max-steps': { type: 'string' },
      'max-minutes': { type: 'string' },
      commit: { type: 'string' },
      'yamnet-mel': { type: 'string' },
      musicnn: { type: 'string' },
      init: { type: 'string' },
      'level-dropout': { type: 'string' },
      'checkpoint-minutes': { type: 'string' },
      'validate-every': { type: 'string' },
      'no-validate-yamnet': { type: 'boolean', default: false },
      'kmeans-segments': { type: 'string' },
      'kmeans-iterations': { type: 'string' },
      ...launchFlagOptions,
    },
  });
  if (!values.corpus || !values.out) throw new UsageError('train wants --corpus DIR and --out DIR');
  if (!(values.preset! in codecPresets))
    throw new UsageError(`--preset: one of ${Object.keys(codecPresets).join(', ')}`);
  const d = defaultCodecTrainOptions;
  const preset = values.preset as CodecPreset;
  checkOutputFolder(values.out);
  const options: CodecTrainOptions = {
    ...d,
    corpusDir: values.corpus,
    outDir: values.out,
    preset,
    fromLyra: preset === 'default' && !values['no-lyra-init'] && !values.init,
    initFrom: values.init,
    batchSize: numberOption(values.batch, '--batch', d.batchSize, { ...count, max: 4096 }),
    cropSeconds: numberOption(values['crop-seconds'], '--crop-seconds', d.cropSeconds, {
      ...positive,
      max: 60,
    }),
    learningRate: numberOption(values.lr, '--lr', d.learningRate, { ...positive, max: 1 }),
    warmupSteps: numberOption(values.warmup, '--warmup', d.warmupSteps, { ...whole, max: 1e9 }),
    decoderOnlySteps: numberOption(values['decoder-steps'], '--decoder-steps', d.decoderOnlySteps, {
      ...whole,
      max: 1e9,
    }),
    maxSteps: numberOption(values['max-steps'], '--max-steps', d.maxSteps, { ...whole, max: 1e9 }),
    maxMinutes: numberOption(values['max-minutes'], '--max-minutes', d.maxMinutes, { ...positive, max: 1e6 }),
    commitWeight: numberOption(values.commit, '--commit', d.commitWeight, weight),
    yamnetMelWeight: numberOption(values['yamnet-mel'], '--yamnet-mel', d.yamnetMelWeight, weight),
    musicnnWeight: numberOption(values.musicnn, '--musicnn', d.musicnnWeight, weight),
    levelDropout: numberOption(values['level-dropout'], '--level-dropout', d.levelDropout, {
      min: 0,
      max: 1,
    }),
    checkpointMinutes: numberOption(
      values['checkpoint-minutes'],
      '--checkpoint-minutes',
      d.checkpointMinutes,
      { ...positive, max: 1e6 },
    ),
    validateEvery: numberOption(values['validate-every'], '--validate-every', d.validateEvery, {
      ...count,
      max: 1e9,
    }),
    validateYamnet: !values['no-validate-yamnet'],
    kmeansSegments: numberOption(values['kmeans-segments'], '--kmeans-segments', d.kmeansSegments, {
      ...count,
      max: 100000,
    }),
    kmeansIterations: numberOption(values['kmeans-iterations'], '--kmeans-iterations', d.kmeansIterations, {
      ...whole,
      max: 1000,
    }),
    provenance: { command: `v2meow codec train ${args.join(' ')}` },
  };
  return runLaunched(values, options.batchSize, async (parallel) => {
    const steps = await trainCodec({ ...options, parallel });
    if (parallel.isMain) process.stderr.write(`training stopped at step ${steps}\n`);
    return 0;
  });
}

async function exportWeights(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      corpus: { type: 'string' },
      eval: { type: 'string' },
      note: { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.output || !values.corpus)
    throw new UsageError('export wants one CHECKPOINT, -o OUT_DIR and --corpus DIR');
  checkOutputFolder(values.output);
  const evalFile = values.eval;
  const evaluation = evalFile
    ? withFileSync(evalFile, () => {
        try {
          return JSON.parse(readFileSync(evalFile, 'utf8'));
        } catch (error) {
          if (error instanceof SyntaxError) throw new V2meowError('BAD_FORMAT', 'is not JSON');
          throw error;
        }
      })
    : undefined;
  const record = exportCodec({
    source: positionals[0]!,
    outDir: values.output,
    corpusDir: values.corpus,
    extra: {
      ...(values.note ? { note: values.note } : {}),
      ...(evaluation
        ? {
            evaluation: {
              mean: evaluation.mean,
              groupMeans: evaluation.groupMeans,
              settings: evaluation.settings,
            },
          }
        : {}),
    },
  });
  process.stderr.write(`${values.output}: codec.safetensors + codec.json (step ${record.steps})\n`);
  return 0;
}

async function quiet(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      codec: { type: 'string' },
      below: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length) throw new UsageError(`quiet-codes takes no files, got '${positionals[0]}'`);
  const below = numberOption(values.below, '--below', -45, { max: 0 });
  const codec = openCodec(values.codec);
  const quietest = firstLevelLoudness(codec).filter((c) => c.db < below);
  if (values.json) process.stdout.write(`${JSON.stringify(quietest.map((c) => c.code))}\n`);
  else
    for (const c of quietest)
      process.stdout.write(`${String(c.code).padStart(5)}  ${c.db.toFixed(1)} dBFS\n`);
  process.stderr.write(
    `${quietest.length} of ${codec.codebookSize} first-level codes decode below ${below} dBFS\n`,
  );
  return 0;
}

export const codecCommand: Command = {
  name: 'codec',
  summary: 'encode/decode audio tokens with the music codec, evaluate it against Opus and Lyra, train it',
  usage,
  async run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === 'encode') return encode(rest);
    if (sub === 'decode') return decode(rest);
    if (sub === 'eval') return evaluate(rest);
    if (sub === 'train') return train(rest);
    if (sub === 'export') return exportWeights(rest);
    if (sub === 'quiet-codes') return quiet(rest);
    throw new UsageError(
      sub ? `unknown codec action '${sub}'` : 'say encode, decode, eval, export, quiet-codes or train',
    );
  },
};
