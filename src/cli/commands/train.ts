// `v2meow train stage1|stage2|stage3|export`: trains a V2Meow stage in the shared training loop (the stage's
// task comes from the registry in src/train/stageRegistry.ts) and assembles trained parts into a model bundle
// (src/train/export.ts). Options and paths are checked before any work.
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { V2meowError } from '../../errors.js';
import { exportBundle } from '../../train/export.js';
import { launchFlagOptions, launchHelp, launchUsage, runLaunched } from '../../train/launch.js';
import {
  type StageName,
  stageDefaults,
  stageNames,
  stageTaskEntry,
  trainStage,
} from '../../train/stageRegistry.js';
import '../../train/stages.js';
import { type StyleScope, styleScopes } from '../../dataset/reader.js';
import { checkOutputFolder } from '../../util/outputPath.js';
import { type GenerationDefaults, requiredPipelineRoles } from '../../weights/bundle.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage:
  v2meow train stage1|stage2|stage3 --data DIR --out DIR [--preset small] [--init FILE] [--batch 8]
               [--lr 3e-4] [--warmup 500] [--max-steps 20000] [--max-minutes 1440] [--checkpoint-minutes 4]
               [--validate-every 500] [--seconds 10|3] [--style-scope clip|window] [--seed 0]
               [--set KEY=JSON]...
               ${launchUsage}
  v2meow train export -o DIR --stage1 FILE --stage2 FILE [--stage3 FILE] --codec FILE --semantic DIR
               --text-style DIR [--part ROLE=PATH]... [--partial] [--half] [--generation JSON]
               [--name NAME] [--note TEXT]

stageN  Trains (or resumes) a stage on --data: checkpoint.safetensors (every --checkpoint-minutes, and on
        SIGINT/SIGTERM after the current step), best.safetensors (lowest validation score), log.jsonl and
        loss.png in --out. A checkpoint in --out is resumed; otherwise --init FILE gives the starting
        weights. AdamW, --warmup steps of linear warmup, then cosine decay to 10% at --max-steps; --seconds
        is the length of the random training crops (10 s for stages 1 and 2, 3 s for stage 3).
        --style-scope window conditions each crop on the style of the 10 s segments it covers instead of
        the whole file's (needs a set built with per-segment style vectors; docs/style.md). --set
        replaces a field of the model config on a fresh run, from the preset or from --init (e.g. --set
        numDecoderLayers=4 --set semanticPrefix=false --set 'alignedSemantic=[-1,0,1,2]'; with --init,
        --set styleToDecoder=true adds stage 1's style path at zero; fields: docs/stages.md).
        ${launchHelp}
export  Assembles a model bundle folder: the parts (checkpoints lose their optimizer state; folders are
        copied), bundle.json with each part's id, token streams and provenance (steps, recipe, data hours by
        source, validation figures, commit), and the training logs. Parts that do not fit together (token
        vocabulary, levels, rates) are refused before anything is written. --half stores the stages'
        weights as float16 (half the size; loading casts them back). --generation sets the bundle's
        generation defaults, e.g. '{"decodeLevels":4,"sampling":{"stage2":{"topK":100}}}' (docs/generate.md).
        Without --stage3 the bundle decodes the coarse levels alone (--generation decodeLevels <= stage 2's
        levels, checked when it loads). --partial allows a bundle
        without every pipeline part; --part adds a part under another role.
Docs: docs/training.md.`;

const whole = { integer: true, min: 0 };
const count = { integer: true, min: 1 };
const positive = { min: 0, exclusiveMin: true };

function styleScopeOption(value: string | undefined, fallback: StyleScope): StyleScope {
  if (value === undefined) return fallback;
  if (!(styleScopes as readonly string[]).includes(value))
    throw new UsageError(`--style-scope: one of ${styleScopes.join(', ')}, got '${value}'`);
  return value as StyleScope;
}

async function trainStageCommand(name: StageName, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      preset: { type: 'string' },
      init: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      warmup: { type: 'string' },
      'max-steps': { type: 'string' },
      'max-minutes': { type: 'string' },
      'checkpoint-minutes': { type: 'string' },
      'validate-every': { type: 'string' },
      seconds: { type: 'string' },
      'style-scope': { type: 'string' },
      seed: { type: 'string' },
      set: { type: 'string', multiple: true },
      ...launchFlagOptions,
    },
  });
  if (positionals.length > 0 || !values.data || !values.out) throw new UsageError(usage);
  const entry = stageTaskEntry(name);
  const d = stageDefaults(name, entry);
  const preset = values.preset ?? d.preset;
  if (!entry.presets.includes(preset))
    throw new UsageError(`--preset: one of ${entry.presets.join(', ')}, got '${preset}'`);
  const settings = {
    preset,
    batchSize: numberOption(values.batch, '--batch', d.batchSize, count),
    learningRate: numberOption(values.lr, '--lr', d.learningRate, positive),
    warmupSteps: numberOption(values.warmup, '--warmup', d.warmupSteps, whole),
    maxSteps: numberOption(values['max-steps'], '--max-steps', d.maxSteps, whole),
    maxMinutes: numberOption(values['max-minutes'], '--max-minutes', d.maxMinutes, positive),
    checkpointMinutes: numberOption(
      values['checkpoint-minutes'],
      '--checkpoint-minutes',
      d.checkpointMinutes,
      positive,
    ),
    validateEvery: numberOption(values['validate-every'], '--validate-every', d.validateEvery, count),
    cropSeconds: numberOption(values.seconds, '--seconds', d.cropSeconds, positive),
    styleScope: styleScopeOption(values['style-scope'], d.styleScope),
    seed: numberOption(values.seed, '--seed', d.seed, { integer: true, min: 0, max: 2 ** 32 - 1 }),
  };
  const configOverrides: Record<string, unknown> = {};
  for (const item of values.set ?? []) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new UsageError(`--set: KEY=JSON, got '${item}'`);
    try {
      configOverrides[item.slice(0, eq)] = JSON.parse(item.slice(eq + 1));
    } catch {
      throw new UsageError(`--set ${item.slice(0, eq)}: not JSON: '${item.slice(eq + 1)}'`);
    }
  }
  if (!existsSync(values.data) || !statSync(values.data).isDirectory())
    throw new V2meowError('FILE_NOT_FOUND', '--data: no such folder', values.data);
  if (values.init !== undefined && (!existsSync(values.init) || statSync(values.init).isDirectory()))
    throw new V2meowError('FILE_NOT_FOUND', '--init: no such file', values.init);
  checkOutputFolder(values.out);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  return runLaunched(values, settings.batchSize, async (parallel) => {
    const summary = await trainStage(
      name,
      {
        ...settings,
        batchSize: settings.batchSize / parallel.worldSize, // --batch is global; the trainers take a rank's
        dataDir: values.data!,
        outDir: values.out!,
        initFrom: values.init,
        configOverrides,
        log,
      },
      { provenance: { command: `v2meow train ${name} ${args.join(' ')}` }, parallel },
    );
    const best = Number.isFinite(summary.bestScore)
      ? `, best validation ${summary.bestScore.toPrecision(5)}`
      : '';
    if (parallel.isMain)
      log(
        `${name} training stopped at step ${summary.step} (${summary.signal ?? summary.stopReason})${best}`,
      );
    return 0;
  });
}

async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      stage1: { type: 'string' },
      stage2: { type: 'string' },
      stage3: { type: 'string' },
      codec: { type: 'string' },
      semantic: { type: 'string' },
      'text-style': { type: 'string' },
      part: { type: 'string', multiple: true },
      partial: { type: 'boolean', default: false },
      half: { type: 'boolean', default: false },
      generation: { type: 'string' },
      name: { type: 'string' },
      note: { type: 'string' },
    },
  });
  if (positionals.length > 0 || !values.output) throw new UsageError(usage);
  const named: [string, string | undefined][] = [
    ['stage1', values.stage1],
    ['stage2', values.stage2],
    ['stage3', values.stage3],
    ['codec', values.codec],
    ['semanticTokenizer', values.semantic],
    ['textStyle', values['text-style']],
  ];
  const parts = named.filter(([, source]) => source).map(([role, source]) => ({ role, source: source! }));
  for (const spec of values.part ?? []) {
    const at = spec.indexOf('=');
    if (at < 1 || at === spec.length - 1) throw new UsageError(`--part wants ROLE=PATH, got '${spec}'`);
    parts.push({ role: spec.slice(0, at), source: spec.slice(at + 1) });
  }
  if (parts.length === 0) throw new UsageError(usage);
  const manifest = await exportBundle({
    outDir: values.output,
    name: values.name,
    parts,
    requiredRoles: values.partial ? [] : requiredPipelineRoles,
    halfPrecisionRoles: values.half ? ['stage1', 'stage2', 'stage3'] : [],
    generation: generationOption(values.generation),
    provenance: {
      command: `v2meow train export ${args.join(' ')}`,
      ...(values.note ? { note: values.note } : {}),
    },
  });
  process.stderr.write(
    `${values.output}: bundle.json + ${Object.keys(manifest.parts).join(', ')} (commit ${manifest.provenance.gitCommit})\n`,
  );
  return 0;
}

/** --generation JSON: the bundle's generation defaults (checked with the manifest when it is written). */
function generationOption(value: string | undefined): GenerationDefaults | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as GenerationDefaults;
  } catch {}
  throw new UsageError(`--generation wants a JSON object, got '${value}'`);
}

export const trainCommand: Command = {
  name: 'train',
  summary:
    'train the V2Meow stages (one shared loop: checkpoints, resume, logs, plots); export a model bundle',
  usage,
  async run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if ((stageNames as readonly string[]).includes(sub ?? ''))
      return trainStageCommand(sub as StageName, rest);
    if (sub === 'export') return exportCommand(rest);
    throw new UsageError(usage);
  },
};
