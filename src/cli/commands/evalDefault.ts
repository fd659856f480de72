// `v2meow eval default` and `v2meow eval text` (reached through `v2meow eval`): the default model's evaluation
// on the held-out films (src/eval/defaultEval.ts) and its text-control check (src/eval/textControl.ts). Thin:
// parses, checks every output path and the model before any work, prints the Markdown table, writes JSON.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { V2meowError } from '../../errors.js';
import { defaultEvalText, evaluateDefaultModel } from '../../eval/defaultEval.js';
import { defaultEvalMarkdown, textControlMarkdown } from '../../eval/defaultReport.js';
import { defaultTextPrompts, evaluateTextControl } from '../../eval/textControl.js';
import { defaultBundleDir } from '../../generate/pipeline.js';
import { writeAtomically } from '../../media/atomicFile.js';
import { checkOutputFile, checkOutputFolder } from '../../util/outputPath.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

export const evalDefaultUsage = `usage: v2meow eval default [--model DIR|debug] [--films DIR] [--seeds N] [--text TEXT] [--data DIR]
                           [--out DIR] [--json FILE] [-o report.md] [--clip-seconds S] [--clips-per-film N]
                           [--max-clips N] [--seed N] [--cache DIR | --no-cache]
       v2meow eval text [--prompts "a;b;..."] [same options]

eval default: the default model on 10 s clips of the held-out Blender films (big_buck_bunny_60s, sintel_trailer,
tears_of_steel_0_64s_strip), their soundtracks as references: rows video, video + text, unconditioned, stages 2-3
on the reference's semantic tokens, reference through the codec, random shuffle, noise floor, reference;
columns FAD, KL, style cosine, beat coverage / hit / F1 against the visual beats, YAMNet Music score, share of
top class Music, real-time factor (docs/evaluation-default.md).
eval text: music for one clip per prompt; the cosine of each output's MusiCNN style to its own prompt's text
style against the mean cosine to the other prompts'.

options:
  --model DIR|debug     model bundle (default: the shipped weights/v2meow); debug = random stages with the
                        trained codec (the numbers show the format, not a model)
  --films DIR           folder of the films (default ../shared/media/video)
  --seeds N             samples per clip and generated row, one batch (default 3)
  --seed N              sampling seed; also seeds the shuffle and noise draws (default 0)
  --text TEXT           text of the video + text row (default "${defaultEvalText}")
  --prompts LIST        eval text: prompts separated by ';' (default: ${defaultTextPrompts.length} across genres and moods)
  --data DIR            training set: the noise floor draws its tokens from its train split's frequencies
                        (default: from the reference clips)
  --out DIR             WAVs of every output (default ./v2meow-eval-default)
  --json FILE           every figure (per clip and sample) as JSON
  -o, --output FILE     write the Markdown table to FILE (default: print it)
  --clip-seconds S      clip length (default 10)
  --clips-per-film N    clips per film, spread evenly over its windows (default 2: the first and the last;
                        all: every window, 6 + 5 + 6 for the three films; eval text: all)
  --max-clips N         at most N clips in all (eval text: default 1)
  --cache DIR           analysis cache (default $XDG_CACHE_HOME/v2meow/eval); --no-cache: none`;

const options = {
  model: { type: 'string' },
  films: { type: 'string' },
  seeds: { type: 'string' },
  seed: { type: 'string' },
  text: { type: 'string' },
  prompts: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'clip-seconds': { type: 'string' },
  'clips-per-film': { type: 'string' },
  'max-clips': { type: 'string' },
  cache: { type: 'string' },
  'no-cache': { type: 'boolean' },
} as const;

/** Parses and checks the options shared by both commands; checks every output path before any work. */
function parse(args: string[], mode: 'default' | 'text') {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (values.cache && values['no-cache']) throw new UsageError('give --cache DIR or --no-cache, not both');
  if (mode === 'default' && values.prompts) throw new UsageError('--prompts is for v2meow eval text');
  if (mode === 'text' && (values.text || values.data))
    throw new UsageError('--text and --data are for v2meow eval default (eval text takes --prompts)');
  if (values.text !== undefined && values.text.trim() === '') throw new UsageError('--text wants some words');
  const prompts = values.prompts
    ?.split(';')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (prompts && prompts.length < 2)
    throw new UsageError('--prompts wants at least two prompts separated by ;');
  const whole = (name: string, text: string | undefined, fallback: number | undefined, min: number) =>
    numberOption(text, name, fallback, { integer: true, min, max: 1000 });
  const parsed = {
    modelDir: values.model ?? defaultBundleDir(),
    filmsFolder: values.films,
    seeds: whole('--seeds', values.seeds, 3, 1)!,
    seed: numberOption(values.seed, '--seed', 0, { integer: true, min: 0, max: 2 ** 31 - 1 }),
    text: values.text,
    prompts,
    dataFolder: values.data,
    outFolder: values.out ?? 'v2meow-eval-default',
    json: values.json,
    output: values.output,
    clipSeconds: numberOption(values['clip-seconds'], '--clip-seconds', 10, { min: 1, max: 60 }),
    clipsPerFilm:
      values['clips-per-film'] === 'all'
        ? Number.POSITIVE_INFINITY
        : whole('--clips-per-film', values['clips-per-film'], undefined, 1),
    maxClips: whole('--max-clips', values['max-clips'], undefined, 1),
    cacheFolder: values['no-cache'] ? null : values.cache,
  };
  if (parsed.seeds > 16)
    throw new UsageError(`--seeds wants a whole number >= 1 and <= 16, got '${values.seeds}'`);
  checkOutputFolder(parsed.outFolder);
  if (parsed.json) checkOutputFile(parsed.json, { extensions: ['.json'] });
  if (parsed.output) checkOutputFile(parsed.output, { extensions: ['.md', '.markdown', '.txt'] });
  if (parsed.cacheFolder) checkOutputFolder(parsed.cacheFolder);
  if (parsed.dataFolder && !existsSync(parsed.dataFolder))
    throw new V2meowError('FILE_NOT_FOUND', 'training set folder does not exist', parsed.dataFolder);
  if (parsed.modelDir !== 'debug' && !existsSync(join(parsed.modelDir, 'bundle.json')))
    throw new V2meowError(
      'MODEL_MISSING',
      values.model
        ? 'no bundle.json: not a model bundle'
        : 'no default model is shipped yet; try --model debug',
      parsed.modelDir,
    );
  return parsed;
}

async function writeOutputs(
  parsed: ReturnType<typeof parse>,
  markdown: string,
  result: unknown,
  progress: (message: string) => void,
) {
  if (parsed.json) {
    const json = parsed.json;
    await writeAtomically(json, (temporary) =>
      writeFileSync(temporary, `${JSON.stringify(result, null, 2)}\n`),
    );
    progress(`figures written to ${json}`);
  }
  if (parsed.output) {
    const output = parsed.output;
    await writeAtomically(output, (temporary) => writeFileSync(temporary, markdown));
    progress(`table written to ${output}`);
  } else process.stdout.write(markdown);
}

const progress = (message: string) => process.stderr.write(`${message}\n`);

export const evalDefaultCommand: Command = {
  name: 'eval default',
  summary: 'the default model on the held-out films, beside its upper bounds and baselines',
  usage: evalDefaultUsage,
  async run(args) {
    const parsed = parse(args, 'default');
    const result = await evaluateDefaultModel({
      model: parsed.modelDir,
      filmsFolder: parsed.filmsFolder,
      seeds: parsed.seeds,
      seed: parsed.seed,
      text: parsed.text,
      dataFolder: parsed.dataFolder,
      outFolder: parsed.outFolder,
      cacheFolder: parsed.cacheFolder,
      clipSeconds: parsed.clipSeconds,
      clipsPerFilm: parsed.clipsPerFilm,
      maxClips: parsed.maxClips,
      onProgress: progress,
    });
    progress(`outputs (WAV) in ${parsed.outFolder}`);
    await writeOutputs(parsed, defaultEvalMarkdown(result), result, progress);
    return 0;
  },
};

export const evalTextCommand: Command = {
  name: 'eval text',
  summary: 'text control of the default model: outputs closer to their own prompt than to the others',
  usage: evalDefaultUsage,
  async run(args) {
    const parsed = parse(args, 'text');
    const result = await evaluateTextControl({
      model: parsed.modelDir,
      filmsFolder: parsed.filmsFolder,
      prompts: parsed.prompts,
      seeds: parsed.seeds,
      seed: parsed.seed,
      outFolder: parsed.outFolder,
      clipSeconds: parsed.clipSeconds,
      clipsPerFilm: parsed.clipsPerFilm,
      maxClips: parsed.maxClips,
      onProgress: progress,
    });
    progress(`outputs (WAV) in ${parsed.outFolder}`);
    await writeOutputs(parsed, textControlMarkdown(result), result, progress);
    return 0;
  },
};
