// `v2meow eval --generated DIR --reference DIR [--videos DIR] [-o report.md] [--json]`: FAD, KL, style cosine
// and beat alignment of generated music against references, with baselines. Calls evaluateFolders().
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { evaluateFolders } from '../../eval/evaluate.js';
import { reportMarkdown } from '../../eval/reportMarkdown.js';
import { writeAtomically } from '../../media/atomicFile.js';
import { checkOutputFile, checkOutputFolder } from '../../util/outputPath.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';
import { evalDefaultCommand, evalDefaultUsage, evalTextCommand } from './evalDefault.js';

const usage = `usage: v2meow eval --generated DIR --reference DIR [--videos DIR] [--text FILE]
                   [-o report.md] [--json] [--style musicnn|yamnet] [--max-seconds S]
                   [--cache DIR | --no-cache]
                   [--segments 2,6,10] [--segments-per-clip N] [--tolerance S] [--seed N]

Compares generated music with reference music, file by file (matched by name without extension):
FAD on YAMNet embeddings, KL divergence of AudioSet class distributions (all classes and music classes),
style cosine, and beat alignment (BCS, BHS, F1 on 2/6/10 s segments). The same numbers for two baselines:
random shuffle (another clip's reference) and reference vs itself; a per-genre breakdown.

options:
  --generated DIR        generated clips (audio or video files)
  --reference DIR        reference clips with the same names
  --videos DIR           videos with the same names: adds music-vs-visual beat alignment
  --text FILE            text prompts (text-to-style cosine needs a text encoder; not available yet)
  -o, --output FILE      write the markdown report to FILE (default: print it)
  --json                 print the result as JSON on stdout (fad, kl, klMusic, styleCos, beatCoverage,
                         beatHit, beatF1, fadStyle, baselines.shuffle, baselines.reference, genres, clips,
                         settings)
  --style SPACE          style space for the style cosine: musicnn (MTT + MSD tag probabilities, default;
                         also adds fadStyle, FAD on MusiCNN features) or yamnet (145 music-class scores)
  --max-seconds S        analyse only the first S seconds of every clip
  --cache DIR            feature cache folder (default $XDG_CACHE_HOME/v2meow/eval)
  --no-cache             do not read or write the cache
  --segments LIST        beat segment lengths in seconds (default 2,6,10)
  --segments-per-clip N  segments sampled per clip and length (default 5)
  --tolerance S          beat matching tolerance in seconds (default 0.07)
  --seed N               seed of the shuffle baseline (default 1)

${evalDefaultUsage}`;

export const evalCommand: Command = {
  name: 'eval',
  summary: 'FAD, KL, style cosine and beat alignment of generated music vs references, with baselines',
  usage,
  async run(args) {
    if (args[0] === 'default') return evalDefaultCommand.run(args.slice(1));
    if (args[0] === 'text') return evalTextCommand.run(args.slice(1));
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        generated: { type: 'string' },
        reference: { type: 'string' },
        videos: { type: 'string' },
        text: { type: 'string' },
        output: { type: 'string', short: 'o' },
        json: { type: 'boolean' },
        'max-seconds': { type: 'string' },
        style: { type: 'string' },
        cache: { type: 'string' },
        'no-cache': { type: 'boolean' },
        segments: { type: 'string' },
        'segments-per-clip': { type: 'string' },
        tolerance: { type: 'string' },
        seed: { type: 'string' },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (!values.generated || !values.reference)
      throw new UsageError('--generated DIR and --reference DIR are required');
    if (values.cache && values['no-cache']) throw new UsageError('give --cache DIR or --no-cache, not both');
    const segmentLengthsSec = values.segments
      ?.split(',')
      .map((s) => numberOption(s.trim(), '--segments', 0, { min: 0, exclusiveMin: true, max: 600 }));
    const segmentsPerClip = numberOption(values['segments-per-clip'], '--segments-per-clip', undefined, {
      integer: true,
      min: 1,
      max: 1000,
    });
    const toleranceSec = numberOption(values.tolerance, '--tolerance', undefined, {
      min: 0,
      exclusiveMin: true,
      max: 1,
    });
    const maxDurationSec = numberOption(values['max-seconds'], '--max-seconds', undefined, {
      min: 0,
      exclusiveMin: true,
      max: 86400,
    });
    const style = values.style ?? 'musicnn';
    if (style !== 'musicnn' && style !== 'yamnet')
      throw new UsageError(`--style must be musicnn or yamnet, got ${style}`);
    const seed = numberOption(values.seed, '--seed', 1, { integer: true, min: 0, max: 2 ** 31 - 1 });
    // Outputs are checked before the (long) evaluation starts.
    if (values.output) checkOutputFile(values.output, { extensions: ['.md', '.markdown', '.txt'] });
    if (values.cache) checkOutputFolder(values.cache);
    const progress = (message: string) => process.stderr.write(`${message}\n`);
    if (values.text)
      progress(
        'note: --text is accepted, but text-to-style cosine needs a text encoder for the style space; skipped',
      );
    {
      const result = await evaluateFolders({
        generatedFolder: values.generated,
        referenceFolder: values.reference,
        videoFolder: values.videos,
        maxDurationSec,
        cacheFolder: values['no-cache'] ? null : values.cache,
        beat: { segmentLengthsSec, segmentsPerClip, toleranceSec },
        style,
        seed,
        onProgress: progress,
      });
      const markdown = reportMarkdown(result);
      if (values.output) {
        await writeAtomically(values.output, (temporary) => writeFileSync(temporary, markdown));
        progress(`report written to ${values.output}`);
      }
      if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else if (!values.output) process.stdout.write(markdown);
      return 0;
    }
  },
};
