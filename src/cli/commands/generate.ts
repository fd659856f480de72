// `v2meow generate IN.mp4 [-t TEXT] [-o OUT.mp4|OUT.wav] ...`: music for a video (V2Meow), written into a copy
// of the video (picture stream copied, new AAC music cut to its length) or as a WAV. Thin: parses, checks the
// options and output paths before any work, calls V2Meow.generate() and the writers of src/generate/outputs.ts.
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { MusicnnStyleEncoder } from '../../encoders/musicnn.js';
import { V2meowError } from '../../errors.js';
import {
  audioExtensions,
  candidatePaths,
  candidateReport,
  candidateRhythm,
  plotCandidate,
  videoExtensions,
  writeCandidate,
} from '../../generate/outputs.js';
import { defaultBundleDir, type GenerateProgress, V2Meow } from '../../generate/pipeline.js';
import { checkOutputFile } from '../../util/outputPath.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage: v2meow generate IN.mp4 [-t TEXT] [-o OUT.mp4|OUT.wav] [options]
       v2meow generate -t TEXT --seconds S -o OUT.wav [options]

Music for a video (V2Meow): visual features -> semantic tokens -> coarse and fine codec tokens -> 16 kHz audio,
exactly as long as the video. An .mp4/.mov/.mkv output is the video with its picture stream copied (not
re-encoded) and the new music (AAC); .wav writes the music alone. Several candidates: OUT-1.mp4, OUT-2.mp4, ...

options:
  -t, --text TEXT       music style in words (e.g. "calm piano"); alone (no video) it needs --seconds
  -o, --output FILE     output .mp4/.mov/.mkv or .wav (default: IN-v2meow.mp4 in this folder)
  --seconds S           seconds of music (default: the video from --start to its end)
  --start S             where in the video the music starts (default 0)
  --seed N              sampling seed (default 0): the same seed gives the same music
  --candidates N        soundtracks sampled in one batch (default 1)
  --cfg X               classifier-free guidance scale (default: the bundle's generation.guidance, else
                        none; 1 = the conditional model alone)
  --drop video|text|all generate as if that condition were absent (the paper's ablations)
  --style-prior K       stage 1 gets the mean style of the K training pieces nearest the text instead of the
                        text's own vector (default: the bundle's generation.stylePriorK; 0 = the text's own)
  --model DIR|debug     model bundle folder (default: the shipped weights/v2meow); 'debug' = random
                        untrained weights, to try the pipeline (the music is noise)
  --prompt-audio FILE   continue this audio (its end, a fifth of the stages' window, is the first context)
  --levels N            codec levels decoded (default: the bundle's setting, else all 12; 4 = the coarse
                        levels alone, without stage 3)
  --plot MEL.png        mel-spectrogram per candidate, visual beats and cuts above the music's beats
  --json                print per candidate: output, seconds, tempo, beat F1 against the visual beats,
                        style cosine to the text, seconds per stage (no progress lines)`;

const unitOf: Record<GenerateProgress['step'], string> = {
  features: 's of video',
  stage1: 'semantic tokens',
  stage2: 'coarse frames',
  stage3: 'fine frames',
  codec: 'candidates',
};

/** A line per step on a terminal (rewritten in place), a summary line per step otherwise. */
function progressPrinter(stream: NodeJS.WriteStream) {
  let current: GenerateProgress | null = null;
  const line = (p: GenerateProgress, done: boolean) => {
    const left = done
      ? `${p.elapsedSec.toFixed(1)} s`
      : p.remainingSec === null
        ? ''
        : `${p.remainingSec.toFixed(1)} s left`;
    return `${p.step.padEnd(8)} ${String(Math.round(p.done)).padStart(5)} / ${Math.round(p.total)} ${unitOf[p.step]}  ${left}`;
  };
  const finish = () => {
    if (current) stream.write(stream.isTTY ? `\r\x1b[K${line(current, true)}\n` : `${line(current, true)}\n`);
    current = null;
  };
  return {
    update(p: GenerateProgress) {
      if (current && current.step !== p.step) finish();
      current = p;
      if (stream.isTTY) stream.write(`\r\x1b[K${line(p, false)}`);
    },
    finish,
  };
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'music for a video (or a text): the three V2Meow stages and the codec',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        text: { type: 'string', short: 't' },
        output: { type: 'string', short: 'o' },
        seconds: { type: 'string' },
        start: { type: 'string' },
        seed: { type: 'string' },
        candidates: { type: 'string' },
        cfg: { type: 'string' },
        drop: { type: 'string' },
        'style-prior': { type: 'string' },
        model: { type: 'string' },
        'prompt-audio': { type: 'string' },
        levels: { type: 'string' },
        plot: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length > 1) throw new UsageError('expected at most one input video');
    const video = positionals[0];
    const text = values.text;
    if (!video && text === undefined) throw new UsageError('give a video, or a text with -t and --seconds');
    const seconds = numberOption(values.seconds, '--seconds', undefined, { min: 0, exclusiveMin: true });
    if (!video && seconds === undefined) throw new UsageError('--seconds is needed without a video');
    const startSec = numberOption(values.start, '--start', 0, { min: 0 });
    const seed = numberOption(values.seed, '--seed', 0, { integer: true, min: 0 });
    const candidates = numberOption(values.candidates, '--candidates', 1, { integer: true, min: 1, max: 16 });
    const guidance = numberOption(values.cfg, '--cfg', undefined, { min: 0, max: 20 });
    const stylePriorK = numberOption(values['style-prior'], '--style-prior', undefined, {
      integer: true,
      min: 0,
      max: 1000,
    });
    const decodeLevels = numberOption(values.levels, '--levels', undefined, {
      integer: true,
      min: 1,
      max: 12,
    });
    const drop = values.drop;
    if (drop !== undefined && drop !== 'video' && drop !== 'text' && drop !== 'all')
      throw new UsageError(`--drop wants video, text or all, got '${drop}'`);
    if (text !== undefined && text.trim() === '')
      throw new UsageError('-t wants some words, got an empty text');
    const output = values.output ?? (video ? `${basename(video, extname(video))}-v2meow.mp4` : 'v2meow.wav');
    const json = values.json === true;
    const log = (message: string) => {
      if (!json) process.stderr.write(`${message}\n`);
    };
    try {
      const inputs = [video, values['prompt-audio']];
      const extensions = video ? [...videoExtensions, ...audioExtensions] : [...audioExtensions];
      // the shared check on every file written (OUT-1.ext, ... for several candidates)
      for (const path of candidatePaths(output, candidates)) checkOutputFile(path, { extensions, inputs });
      if (values.plot)
        for (const path of candidatePaths(values.plot, candidates))
          checkOutputFile(path, { extensions: ['.png'], inputs: [...inputs, output] });
      for (const input of inputs)
        if (input && !existsSync(input)) throw new V2meowError('FILE_NOT_FOUND', 'does not exist', input);
      const outputs = candidatePaths(output, candidates);
      const plots = values.plot ? candidatePaths(values.plot, candidates) : [];
      const modelDir = values.model ?? defaultBundleDir();
      if (modelDir !== 'debug' && !existsSync(join(modelDir, 'bundle.json')))
        throw new V2meowError(
          'MODEL_MISSING',
          values.model
            ? 'no bundle.json: not a model bundle'
            : 'no default model is shipped yet; try --model debug (random weights: the music is untrained noise)',
          modelDir,
        );
      const model = await V2Meow.fromPretrained(modelDir);
      if (modelDir === 'debug') log('model: debug (random untrained weights: the music is noise)');
      const progress = progressPrinter(process.stderr);
      try {
        const result = await model.generate({
          video,
          text,
          seconds,
          startSec,
          seed,
          candidates,
          guidance,
          drop: drop as 'video' | 'text' | 'all' | undefined,
          stylePriorK,
          promptAudio: values['prompt-audio'],
          decodeLevels,
          onProgress: json ? undefined : (p) => progress.update(p),
        });
        progress.finish();
        if (result.text?.prior)
          log(
            `style: the ${result.text.prior.k} training pieces nearest "${result.text.text}": ${result.text.prior.neighbours.slice(0, 3).join(', ')}${result.text.prior.k > 3 ? ', ...' : ''}`,
          );
        const audioStyle =
          json && result.text ? await MusicnnStyleEncoder.fromPretrained().catch(() => null) : null;
        const reports = [];
        for (let k = 0; k < candidates; k++) {
          await writeCandidate(result, k, outputs[k]!, video);
          log(`wrote ${outputs[k]} (${result.seconds.toFixed(2)} s of music)`);
          if (!json && !values.plot) continue;
          const rhythm = candidateRhythm(result, k);
          if (values.plot) {
            await plotCandidate(result, k, rhythm, plots[k]!);
            log(`wrote ${plots[k]}`);
          }
          if (json)
            reports.push(
              candidateReport(result, k, rhythm, { output: outputs[k]!, plot: plots[k] ?? null }, audioStyle),
            );
        }
        audioStyle?.dispose();
        if (json)
          process.stdout.write(
            `${JSON.stringify({ model: result.model, seed: result.seed, startSec: result.startSec, stylePrior: result.text?.prior ? { k: result.text.prior.k, neighbours: result.text.prior.neighbours } : null, candidates: reports }, null, 2)}\n`,
          );
        else
          log(
            `time: ${Object.entries(result.timingsSec)
              .map(([s, v]) => `${s} ${v.toFixed(1)} s`)
              .join(', ')}`,
          );
        return 0;
      } finally {
        model.dispose();
      }
    } catch (error) {
      if (error instanceof V2meowError) {
        process.stderr.write(`v2meow generate: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
};
