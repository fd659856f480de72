// `v2meow study create|serve|report`: pairwise listening studies (issue 6). Parses arguments and calls the
// library functions in src/study and src/server, the same ones library users call.
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomically } from '../../media/index.js';
import { startStudyServer } from '../../server/index.js';
import {
  buildReport,
  type CreateStudyOptions,
  createStudy,
  formatReportMarkdown,
  openStudyDatabase,
  parseSystemArgument,
  readGenres,
  writeReportPlots,
} from '../../study/index.js';
import { checkOutputFile, checkOutputFolder, makeOutputFolder } from '../../util/outputPath.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage:
  v2meow study create --videos DIR --system NAME=DIR --system NAME=DIR [...] -o STUDY_DIR
      [--pairs all|N] [--raters-per-pair 3] [--pairs-per-rater 10] [--controls 0]
      [--genres FILE.json|FILE.csv] [--title TEXT] [--seed 0]
  v2meow study serve STUDY_DIR [--port 8080] [--host 127.0.0.1] [--allow-host NAME]...
      [--max-pending-per-address 8] [--max-pending 200] [--idle-minutes 10]
  v2meow study report STUDY_DIR [-o report.md] [--json] [--plots DIR]

create   match each video with every system's soundtrack of the same name (audio files or videos with
         audio), mux one clip per (video, system), plan all system pairs per video (or N sampled) and write
         STUDY_DIR (study.sqlite + media/). --controls K puts K control pairs (same soundtrack on both
         sides) into each rater's sequence; raters who answer a strong preference on one are left out.
serve    the rater web app; prints the rater URL and the admin URL (with its token). Requests must name
         this server in their Host header (localhost, the --host address, or an --allow-host name, e.g. the
         public name behind a proxy). Pairs handed out but not rated are held for their rater at most 30
         minutes, and only while the rater is active (--idle-minutes); one address holds at most
         --max-pending-per-address such pairs, all raters together --max-pending.
report   win rates with exact 95% intervals per system pair and question; Markdown to stdout or -o,
         --json for the machine-readable report, --plots DIR for stacked bar PNGs.`;

/** Whole-number options: at least `min`, at most `max`. */
function integer(text: string | undefined, name: string, fallback: number, min = 0, max = 1_000_000): number {
  return numberOption(text, name, fallback, { integer: true, min, max });
}

async function create(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      videos: { type: 'string' },
      system: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
      pairs: { type: 'string' },
      'raters-per-pair': { type: 'string' },
      'pairs-per-rater': { type: 'string' },
      controls: { type: 'string' },
      genres: { type: 'string' },
      title: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (!values.videos) throw new UsageError('--videos DIR is required');
  if (!values.output) throw new UsageError('-o STUDY_DIR is required');
  if (!values.system || values.system.length < 2) throw new UsageError('give at least two --system NAME=DIR');
  const pairs =
    values.pairs === undefined || values.pairs === 'all' ? 'all' : integer(values.pairs, '--pairs', 0, 1);
  const options: CreateStudyOptions = {
    videosDir: values.videos,
    systems: values.system.map(parseSystemArgument),
    outputDir: values.output,
    pairs,
    ratersPerPair: integer(values['raters-per-pair'], '--raters-per-pair', 3, 1, 1000),
    pairsPerRater: integer(values['pairs-per-rater'], '--pairs-per-rater', 10, 1, 10000),
    controlsPerRater: integer(values.controls, '--controls', 0, 0, 1000),
    seed: integer(values.seed, '--seed', 0, 0, 2 ** 31 - 1),
    title: values.title,
    genres: values.genres ? readGenres(values.genres) : undefined,
    onProgress: (message: string) => process.stderr.write(`${message}\n`),
  };
  checkOutputFolder(values.output, { empty: true });
  const result = await createStudy(options);
  process.stdout.write(
    `study ${result.studyDir}: ${result.videos} videos, ${result.systems} systems, ${result.clips} clips, ` +
      `${result.pairs} pairs, ${result.controls} control pairs\n`,
  );
  return 0;
}

async function serve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      'max-pending-per-address': { type: 'string' },
      'max-pending': { type: 'string' },
      'idle-minutes': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('give exactly one STUDY_DIR');
  const port = integer(values.port, '--port', 8080, 0, 65535);
  const limits = {
    pendingPerAddress: integer(values['max-pending-per-address'], '--max-pending-per-address', 8, 1, 100000),
    pendingOverall: integer(values['max-pending'], '--max-pending', 200, 1, 1000000),
    idleMilliseconds:
      60_000 * numberOption(values['idle-minutes'], '--idle-minutes', 10, { min: 0.5, max: 24 * 60 }),
  };
  const server = await startStudyServer({
    studyDir: positionals[0]!,
    port,
    host: values.host ?? '127.0.0.1',
    allowedHosts: values['allow-host'],
    limits,
  });
  process.stdout.write(`raters: ${server.url}/\nadmin:  ${server.url}/admin?token=${server.adminToken}\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.stderr.write('stopping\n');
      server.close().then(resolveStop);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function report(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, json: { type: 'boolean' }, plots: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('give exactly one STUDY_DIR');
  if (values.output)
    checkOutputFile(values.output, { extensions: values.json ? ['.json'] : ['.md', '.markdown', '.txt'] });
  if (values.plots) checkOutputFolder(values.plots);
  const database = openStudyDatabase(positionals[0]!, { readonly: true });
  let studyReport: ReturnType<typeof buildReport>;
  try {
    studyReport = buildReport(database);
  } finally {
    database.close();
  }
  let plotFiles: Record<string, string> = {};
  if (values.plots) {
    const plotsDir = resolve(values.plots);
    makeOutputFolder(plotsDir);
    const written = await writeReportPlots(studyReport, plotsDir);
    const base = values.output ? dirname(resolve(values.output)) : process.cwd();
    plotFiles = Object.fromEntries(
      Object.entries(written).map(([question, file]) => [question, relative(base, resolve(plotsDir, file))]),
    );
    process.stderr.write(
      `plots: ${Object.values(written)
        .map((file) => resolve(plotsDir, file))
        .join(', ')}\n`,
    );
  }
  const text = values.json
    ? `${JSON.stringify(studyReport, (_key, value) => (Number.isNaN(value) ? null : value), 2)}\n`
    : formatReportMarkdown(studyReport, plotFiles);
  if (values.output) await writeFileAtomically(resolve(values.output), Buffer.from(text, 'utf8'));
  else writeFileSync(1, text);
  return 0;
}

export const studyCommand: Command = {
  name: 'study',
  summary: 'pairwise listening studies: create, serve to raters, report win rates',
  usage,
  async run(args) {
    const [action, ...rest] = args;
    const run =
      action === 'create' ? create : action === 'serve' ? serve : action === 'report' ? report : undefined;
    if (!run)
      throw new UsageError(action ? `unknown study action '${action}'` : 'say create, serve or report');
    return run(rest);
  },
};
