// The bad-input matrix (issue 16): every command against one generated set of bad inputs (missing, empty,
// truncated, renamed text, a folder, audio where video is wanted, a 0.1 s clip), bad outputs (a missing folder,
// the input itself, a pseudo file system) and bad numbers. Each run must exit non-zero with a one-line
// message naming the file or option, print no stack trace, leave nothing in the output folder, and finish
// within a hang limit. Odd but valid names (`-report.mp4`, `take:1.mp4`) must work and leave no ffmpeg report.
// All runs go through main(), the CLI's entry point, in one child process (cliRunner.ts: node and libtorch
// start once, not per case); the tests then check each run's result. A new command joins by adding one line
// to `commandsUnderTest`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ffmpeg, makeTestVideo } from '../media/fixtures.js';
import type { CliCase, CliResult } from './cliRunner.js';

/** What a command takes as its input: one media file, one .v2c file, or a folder (of media, a corpus, a study). */
type InputKind = 'media' | 'video' | 'tokens' | 'folder';

interface CommandUnderTest {
  readonly name: string;
  readonly input: InputKind;
  /** Output extension ('' for commands without an output path, '/' for an output folder). */
  readonly output: string;
  /** argv for an input path and an output path. */
  readonly argv: (input: string, output: string) => string[];
  /** Bad-input cases that are not bad for this command (it accepts them). */
  readonly accepts?: readonly CaseName[];
  /** argv tails with an out-of-range or malformed number, each appended to a run on a good input. */
  readonly badNumbers?: readonly (readonly string[])[];
  /**
   * argv tails naming a bad path in an option (a model file that is a folder, a missing one), each appended
   * to a run on a good input; the message must name the path (the tail's last word).
   */
  readonly badPaths?: (readonly string[])[];
  /** Runs quickly on valid media: also run on the odd-but-valid names. */
  readonly quickOnValidMedia?: boolean;
}

const noOpus = ['--no-opus', '--no-lyra', '--no-yamnet'];

/** One line per command (and subcommand): how it is called. */
const commandsUnderTest: readonly CommandUnderTest[] = [
  {
    name: 'rhythm',
    input: 'media',
    output: '',
    argv: (i) => ['rhythm', '--', i],
    badNumbers: [
      ['--motion-fps', '-1'],
      ['--motion-fps=0.001'],
      ['--tolerance', '1e9'],
      ['--tolerance', 'x'],
    ],
    quickOnValidMedia: true,
  },
  {
    name: 'plot',
    input: 'media',
    output: '.png',
    argv: (i, o) => ['plot', '-o', o, '--', i],
    accepts: ['tiny'],
    quickOnValidMedia: true,
  },
  {
    name: 'inspect',
    input: 'media',
    output: '',
    argv: (i) => ['inspect', '--', i],
    accepts: ['tiny'],
    badNumbers: [
      ['--top', '-1'],
      ['--top', '1e9'],
      ['--fps', '0'],
    ],
  },
  {
    name: 'codec encode',
    input: 'media',
    output: '.v2c',
    argv: (i, o) => ['codec', 'encode', '-o', o, '--', i],
    accepts: ['tiny'],
    badPaths: [
      ['--codec', '/usr'],
      ['--codec', '/no/such/codec.safetensors'],
    ],
    badNumbers: [
      ['--levels', '13'],
      ['--levels', '0'],
    ],
    quickOnValidMedia: true,
  },
  {
    name: 'codec decode',
    input: 'tokens',
    output: '.wav',
    argv: (i, o) => ['codec', 'decode', '-o', o, '--', i],
  },
  {
    name: 'codec eval',
    input: 'media',
    output: '',
    argv: (i) => ['codec', 'eval', ...noOpus, '--', i],
    accepts: ['tiny'],
    badNumbers: [
      ['--seconds', '0.001'],
      ['--corpus-segments', '1e9'],
      ['--start', '-1'],
    ],
  },
  {
    name: 'eval',
    input: 'folder',
    output: '.md',
    argv: (i, o) => ['eval', '--generated', i, '--reference', i, '--no-cache', '-o', o],
    accepts: ['audioOnly'],
    badPaths: [['--videos', '/no/such/videos']],
    badNumbers: [
      ['--segments-per-clip', '1e9'],
      ['--seed', '1.5'],
      ['--tolerance', '1e9'],
    ],
  },
  {
    name: 'corpus build',
    input: 'folder',
    output: '/',
    argv: (i, o) => ['corpus', 'build', i, '-o', o],
    badNumbers: [
      ['--jobs', '1e9'],
      ['--seconds', '0.0001'],
      ['--silence-db', '10'],
      ['--sample-rate', '5'],
    ],
  },
  { name: 'corpus info', input: 'folder', output: '', argv: (i) => ['corpus', 'info', i] },
  {
    name: 'study create',
    input: 'folder',
    output: '/',
    argv: (i, o) => ['study', 'create', `--videos=${i}`, `--system=a=${i}`, `--system=b=${i}`, '-o', o],
    accepts: ['tiny'],
    badPaths: [['--genres', '/usr']],
    badNumbers: [
      ['--raters-per-pair', '0'],
      ['--seed', '-1'],
      ['--pairs-per-rater', '1e12'],
    ],
  },
  { name: 'study serve', input: 'folder', output: '', argv: (i) => ['study', 'serve', i, '--port', '0'] },
  {
    name: 'study report',
    input: 'folder',
    output: '.md',
    argv: (i, o) => ['study', 'report', i, '-o', o],
  },
  {
    name: 'generate',
    input: 'video',
    output: '.wav',
    argv: (i, o) => ['generate', '--model', 'debug', '-o', o, '--', i],
    accepts: ['tiny'],
    badPaths: [
      ['--model', '/usr'],
      ['--model', '/no/such/bundle'],
    ],
    badNumbers: [
      ['--candidates', '0'],
      ['--candidates', '1e9'],
      ['--seed', '-1'],
      ['--cfg', '1e9'],
      ['--start', '-1'],
      ['--seconds', '0'],
    ],
  },
  {
    name: 'style',
    input: 'media',
    output: '',
    argv: () => ['style', 'calm piano'],
    accepts: ['missing', 'empty', 'truncated', 'textAsMedia', 'wrongKind', 'audioOnly', 'tiny'],
    badNumbers: [
      ['--top', '-1'],
      ['--top', '1e9'],
      ['--top', 'x'],
    ],
  },
  {
    name: 'tokens encode',
    input: 'media',
    output: '',
    argv: (i) => ['tokens', 'encode', '--', i],
    accepts: ['tiny'],
    badPaths: [
      ['--tokenizer', '/usr'],
      ['--tokenizer', '/no/such/tokenizer'],
    ],
  },
  {
    name: 'features',
    input: 'video',
    output: '.png',
    argv: (i, o) => ['features', '--plot', o, '--', i],
    badNumbers: [
      ['--start', '-1'],
      ['--seconds', '0'],
      ['--seconds', 'x'],
    ],
  },
  {
    name: 'dataset build',
    input: 'folder',
    output: '/',
    argv: (i, o) => ['dataset', 'build', '--videos', i, '--stand-in', 'semantic,curves,visual', '-o', o],
    // unreadable files in a source folder are skipped and reported (the build goes on): only bad folders fail
    accepts: ['empty', 'truncated', 'textAsMedia', 'audioOnly', 'tiny'],
    badPaths: [['--codec', '/no/such/codec.safetensors']],
    badNumbers: [
      ['--jobs', '0'],
      ['--jobs', '1e9'],
      ['--split', '2'],
      ['--seed', '-1'],
    ],
  },
  { name: 'dataset info', input: 'folder', output: '', argv: (i) => ['dataset', 'info', i] },
  {
    name: 'train stage1',
    input: 'folder',
    output: '/',
    argv: (i, o) => ['train', 'stage1', '--data', i, '--out', o],
    badPaths: [['--init', '/no/such/init.safetensors']],
    badNumbers: [
      ['--batch', '0'],
      ['--lr', '-1'],
      ['--warmup', '-1'],
      ['--seconds', '0'],
    ],
  },
];

type CaseName = 'missing' | 'empty' | 'truncated' | 'textAsMedia' | 'wrongKind' | 'audioOnly' | 'tiny';

/** Longest a failing case may take: a hang detector, not a speed figure. */
const hangLimitMs = 60_000;

let root: string;
/** Bad inputs: for file commands a path, for folder commands a folder holding the bad file (or a bad path). */
const files = {} as Record<CaseName, string>;
const folders = {} as Record<CaseName, string>;
let goodVideo: string;
let goodTokens: string;
let goodFolder: string;
let goodVideoBytes: Buffer;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'v2meow-bad-inputs-'));
  const made = join(root, 'made');
  mkdirSync(made);
  goodVideo = makeTestVideo(made, 'good.mp4', 2);
  const video = readFileSync(goodVideo);
  goodVideoBytes = video;
  const audio = join(made, 'tone.wav');
  ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:d=1', '-ar', '16000', audio]);
  const tiny = join(made, 'tiny.mp4');
  ffmpeg(['-i', goodVideo, '-t', '0.1', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', tiny]);
  const contents: Record<Exclude<CaseName, 'missing' | 'wrongKind'>, Buffer> = {
    empty: Buffer.alloc(0),
    truncated: video.subarray(0, Math.floor(video.length * 0.3)),
    textAsMedia: Buffer.from('these are my notes, not a video\n'.repeat(20)),
    audioOnly: readFileSync(audio),
    tiny: readFileSync(tiny),
  };
  const extensionOf = (name: string) => (name === 'audioOnly' ? '.wav' : '.mp4');
  for (const [name, bytes] of Object.entries(contents)) {
    files[name as CaseName] = join(root, `${name}${extensionOf(name)}`);
    writeFileSync(files[name as CaseName], bytes);
    const folder = join(root, `folder-${name}`);
    mkdirSync(folder);
    writeFileSync(join(folder, `clip${extensionOf(name)}`), bytes);
    folders[name as CaseName] = folder;
  }
  files.missing = join(root, 'missing.mp4');
  folders.missing = join(root, 'missing-folder');
  // A folder where a file is wanted, and a file where a folder is wanted.
  files.wrongKind = join(root, 'folder.mp4');
  mkdirSync(files.wrongKind);
  folders.wrongKind = files.textAsMedia;
  goodFolder = join(root, 'good-folder');
  mkdirSync(goodFolder);
  writeFileSync(join(goodFolder, 'clip.mp4'), video);
  // .v2c inputs that are not token files: every bad media file is one; a good one is not needed for numbers.
  goodTokens = files.textAsMedia;
});

after(() => rmSync(root, { recursive: true, force: true }));

type RunResult = CliResult;

/** Every run of the matrix, planned by the tests below before the runner starts, answered after. */
const planned: { key: string; run: CliCase }[] = [];
const results = new Map<string, RunResult>();

/** Plans `v2meow ARGS` in `cwd` under `key`. */
function plan(key: string, args: string[], cwd = root): void {
  planned.push({ key, run: { args, cwd } });
}

/** The result of a planned run. */
function resultOf(key: string): RunResult {
  const result = results.get(key);
  assert.ok(result, `no result for ${key}`);
  return result;
}

/** The error line: one line, no stack, naming one of `names`. */
function assertOneLineError(result: RunResult, names: readonly string[], about: string): void {
  assert.ok(result.code > 0, `${about}: exit ${result.code}\n${result.stderr}`);
  const lines = result.stderr
    .split('\n')
    .filter((line) => line.trim() && !/^(\[|shards |corpus: )/.test(line));
  const errorLines = lines.filter((line) => line.startsWith('v2meow'));
  assert.equal(errorLines.length, 1, `${about}: want one error line, got:\n${result.stderr}`);
  assert.doesNotMatch(
    result.stderr,
    /\n\s+at |Error: |Cannot read properties/,
    `${about}: a stack trace\n${result.stderr}`,
  );
  assert.ok(
    names.some((name) => errorLines[0]!.includes(name)),
    `${about}: the message names none of ${names.join(', ')}:\n${errorLines[0]}`,
  );
  assert.ok(result.ms < hangLimitMs, `${about}: ran ${Math.round(result.ms)} ms`);
}

/** A fresh, empty output folder for one case; its output path has the command's extension. */
function outputFor(command: CommandUnderTest, label: string): { folder: string; path: string } {
  const folder = join(root, 'out', `${command.name.replace(' ', '-')}-${label}`);
  mkdirSync(folder, { recursive: true });
  const path =
    command.output === '/' ? join(folder, 'result') : join(folder, `result${command.output || '.txt'}`);
  return { folder, path };
}

const assertEmpty = (folder: string, about: string) =>
  assert.deepEqual(readdirSync(folder), [], `${about}: left ${readdirSync(folder).join(', ')} behind`);

const caseNames: readonly CaseName[] = [
  'missing',
  'empty',
  'truncated',
  'textAsMedia',
  'wrongKind',
  'audioOnly',
  'tiny',
];

/** The input of a case for a command, or undefined when the case does not apply. */
function inputFor(command: CommandUnderTest, name: CaseName): string | undefined {
  if (command.accepts?.includes(name)) return undefined;
  if (command.input === 'folder') return folders[name];
  if (command.input === 'media' && name === 'audioOnly') return undefined; // audio is media
  return files[name];
}

const goodInputFor = (command: CommandUnderTest) =>
  command.input === 'folder' ? goodFolder : command.input === 'tokens' ? goodTokens : goodVideo;

/** Bad output paths of a command: [label, path], all under (or instead of) its output folder. */
function badOutputs(command: CommandUnderTest, folder: string): [string, string][] {
  const input = goodInputFor(command);
  const ext = command.output === '/' ? '' : command.output;
  const cases: [string, string][] = [
    ['missing folder', join(folder, 'no-such-folder', `result${ext}`)],
    ['pseudo file system', `/proc/v2meow-test${ext}`],
  ];
  if (command.output !== '/')
    cases.push(['a folder', folder], ['wrong extension', join(folder, 'result.mp3')]);
  else cases.push(['a file', input === goodFolder ? goodVideo : input]);
  if (command.input !== 'folder') cases.push(['the input', input]);
  return cases;
}

/** argv with `tail` inserted before a `--` separator (or appended). */
function withTail(argv: string[], tail: readonly string[]): string[] {
  const separator = argv.indexOf('--');
  return separator >= 0
    ? [...argv.slice(0, separator), ...tail, ...argv.slice(separator)]
    : [...argv, ...tail];
}

const oddNames = ['-report.mp4', 'take:1.mp4'];
const oddFolder = (command: CommandUnderTest, name: string) =>
  join(root, 'odd', `${command.name.replace(' ', '-')}-${name.replace(/\W/g, '')}`);

/** Plans every run of the matrix (called once the fixtures exist). */
function planAll(): void {
  for (const command of commandsUnderTest) {
    for (const name of caseNames) {
      const input = inputFor(command, name);
      if (input === undefined) continue;
      const { path } = outputFor(command, name);
      plan(`${command.name}/input/${name}`, command.argv(input, path));
    }
    if (command.output !== '') {
      const { folder } = outputFor(command, 'outputs');
      for (const [label, output] of badOutputs(command, folder))
        plan(`${command.name}/output/${label}`, command.argv(goodInputFor(command), output));
    }
    for (const tail of command.badNumbers ?? []) {
      const { path } = outputFor(command, `number-${tail.join('')}`);
      plan(
        `${command.name}/number/${tail.join(' ')}`,
        withTail(command.argv(goodInputFor(command), path), tail),
      );
    }
    for (const tail of command.badPaths ?? []) {
      const { path } = outputFor(command, `path-${tail.join('').replace(/\W/g, '')}`);
      plan(
        `${command.name}/path/${tail.join(' ')}`,
        withTail(command.argv(goodInputFor(command), path), tail),
      );
    }
    if (command.quickOnValidMedia)
      for (const name of oddNames) {
        const work = oddFolder(command, name);
        mkdirSync(work, { recursive: true });
        writeFileSync(join(work, name), readFileSync(goodVideo));
        plan(
          `${command.name}/odd/${name}`,
          command.argv(name, command.output ? `out${command.output}` : ''),
          work,
        );
      }
  }
}

/** Runs every planned case in one child process (cliRunner.ts). */
function runAll(): void {
  const casesPath = join(root, 'cases.json');
  const resultsPath = join(root, 'results.json');
  writeFileSync(casesPath, JSON.stringify(planned.map((p) => p.run)));
  const runner = join(dirname(fileURLToPath(import.meta.url)), 'cliRunner.js');
  execFileSync(process.execPath, [runner, casesPath, resultsPath], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, V2MEOW_THREADS: '1' },
  });
  const answers = JSON.parse(readFileSync(resultsPath, 'utf8')) as RunResult[];
  for (const [i, p] of planned.entries()) results.set(p.key, answers[i]!);
}

before(() => {
  planAll();
  runAll();
});

describe('every command refuses bad inputs with one clear line and leaves nothing behind', () => {
  for (const command of commandsUnderTest)
    test(command.name, () => {
      for (const name of caseNames) {
        const input = inputFor(command, name);
        if (input === undefined) continue;
        const about = `${command.name} / ${name}`;
        // Folder commands name the folder or the bad file inside it.
        assertOneLineError(resultOf(`${command.name}/input/${name}`), [input, 'clip.', 'folder-'], about);
        assertEmpty(outputFor(command, name).folder, about);
      }
    });
});

describe('every command refuses bad output paths before any work', () => {
  for (const command of commandsUnderTest.filter((c) => c.output !== ''))
    test(command.name, () => {
      const { folder } = outputFor(command, 'outputs');
      for (const [label, output] of badOutputs(command, folder)) {
        const about = `${command.name} / output ${label}`;
        assertOneLineError(resultOf(`${command.name}/output/${label}`), [output], about);
        assertEmpty(folder, about);
      }
      if (command.input === 'media')
        assert.deepEqual(readFileSync(goodVideo), goodVideoBytes, `${command.name}: the input was changed`);
    });
});

describe('every number option refuses bad values (exit 2, naming the option)', () => {
  for (const command of commandsUnderTest.filter((c) => c.badNumbers))
    test(command.name, () => {
      for (const tail of command.badNumbers!) {
        const about = `${command.name} ${tail.join(' ')}`;
        const result = resultOf(`${command.name}/number/${tail.join(' ')}`);
        assertOneLineError(result, [tail[0]!.split('=')[0]!], about);
        assert.equal(result.code, 2, `${about}: a usage error exits 2`);
        assertEmpty(outputFor(command, `number-${tail.join('')}`).folder, about);
      }
    });
});

describe('options naming bad paths are refused naming the path', () => {
  for (const command of commandsUnderTest.filter((c) => c.badPaths))
    test(command.name, () => {
      for (const tail of command.badPaths!) {
        const about = `${command.name} ${tail.join(' ')}`;
        assertOneLineError(resultOf(`${command.name}/path/${tail.join(' ')}`), [tail.at(-1)!], about);
        assertEmpty(outputFor(command, `path-${tail.join('').replace(/\W/g, '')}`).folder, about);
      }
    });
});

describe('odd but valid file names reach ffmpeg as files, never as options or protocols', () => {
  for (const command of commandsUnderTest.filter((c) => c.quickOnValidMedia))
    test(command.name, () => {
      for (const name of oddNames) {
        const result = resultOf(`${command.name}/odd/${name}`);
        assert.equal(result.code, 0, `${command.name} ${name}: ${result.stderr}`);
        const output = command.output ? `out${command.output}` : '';
        const left = readdirSync(oddFolder(command, name)).filter((file) => file !== name && file !== output);
        assert.deepEqual(left, [], `${command.name} ${name}: ffmpeg wrote ${left.join(', ')}`);
        if (output) assert.ok(readdirSync(oddFolder(command, name)).includes(output));
      }
    });
});
