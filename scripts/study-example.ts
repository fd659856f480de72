// Worked example for `v2meow study` on ../shared/media (issue 6): three Blender films (12 s each, picture only)
// and three "systems": the film's ORIGINAL soundtrack, a LOWPASS copy of it (800 Hz, muffled), and OTHER (the
// soundtrack of a different film). Runs the real CLI: `study create`, `study serve`, then SIMULATED raters
// over HTTP (a scripted judge, not people: they prefer original > other > lowpass for relevance and
// original > lowpass > other for preference, with random noise), then `study report` with plots.
//
//   npx tsc -p . && node dist/scripts/study-example.js [OUTPUT_DIR]   (default /tmp/v2meow-study-example)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStudyDatabase } from '../src/study/database.js';
import { answers } from '../src/study/questions.js';
import { seededRandom } from '../src/study/random.js';
import { mediaDir, repoRoot } from '../test/helpers.js';

const outputDir = process.argv[2] ?? '/tmp/v2meow-study-example';
const films = {
  big_buck_bunny: { file: 'big_buck_bunny_60s.mp4', genre: 'comedy' },
  sintel: { file: 'sintel_trailer.mp4', genre: 'fantasy' },
  tears_of_steel: { file: 'tears_of_steel_0_64s_strip.mp4', genre: 'sci-fi' },
};
const names = Object.keys(films) as (keyof typeof films)[];
const seconds = '12';
const cli = join(repoRoot, 'bin', 'v2meow.js');

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function v2meow(args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

rmSync(outputDir, { recursive: true, force: true });
const dirs = Object.fromEntries(
  ['videos', 'original', 'lowpass', 'other'].map((name) => [name, join(outputDir, 'inputs', name)]),
) as Record<'videos' | 'original' | 'lowpass' | 'other', string>;
for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });

console.error('preparing inputs from', mediaDir);
for (const name of names) {
  const source = join(mediaDir, 'video', films[name].file);
  ffmpeg(['-i', source, '-t', seconds, '-an', '-c:v', 'copy', join(dirs.videos, `${name}.mp4`)]);
  ffmpeg([
    '-i',
    source,
    '-t',
    seconds,
    '-vn',
    '-ac',
    '2',
    '-ar',
    '44100',
    join(dirs.original, `${name}.wav`),
  ]);
  ffmpeg([
    '-i',
    join(dirs.original, `${name}.wav`),
    '-af',
    'lowpass=f=800,lowpass=f=800',
    join(dirs.lowpass, `${name}.wav`),
  ]);
}
names.forEach((name, index) => {
  const donor = names[(index + 1) % names.length]!;
  ffmpeg(['-i', join(dirs.original, `${donor}.wav`), '-c', 'copy', join(dirs.other, `${name}.wav`)]);
});
writeFileSync(
  join(outputDir, 'inputs', 'genres.csv'),
  `video,genre\n${names.map((name) => `${name},${films[name].genre}`).join('\n')}\n`,
);

const studyDir = join(outputDir, 'study');
const started = Date.now();
console.error(
  v2meow([
    'study',
    'create',
    '--videos',
    dirs.videos,
    '--system',
    `original=${dirs.original}`,
    '--system',
    `lowpass=${dirs.lowpass}`,
    '--system',
    `other=${dirs.other}`,
    '--genres',
    join(outputDir, 'inputs', 'genres.csv'),
    '--raters-per-pair',
    '3',
    '--pairs-per-rater',
    '4',
    '--controls',
    '1',
    '--seed',
    '1',
    '-o',
    studyDir,
  ]).trim(),
  `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
);

// Serve, and let 10 simulated raters work through it over HTTP.
const server = spawn(process.execPath, [cli, 'study', 'serve', studyDir, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve) => {
  let text = '';
  server.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const match = /raters: (\S+)\//.exec(text);
    if (match) resolve(match[1]!);
  });
});
console.error('serving at', url);
const random = seededRandom(42);
const relevanceRank: Record<string, number> = { original: 2, other: 1, lowpass: 0 };
const preferenceRank: Record<string, number> = { original: 2, lowpass: 1, other: 0 };
const database = openStudyDatabase(studyDir, { readonly: true });
const clipSystem = new Map(
  (
    database.prepare('SELECT c.file, s.name FROM clips c JOIN systems s ON s.id = c.system_id').all() as {
      file: string;
      name: string;
    }[]
  ).map((row) => [row.file, row.name]),
);
database.close();
function judge(rank: Record<string, number>, a: string, b: string): string {
  const noise = random() * 3 - 1.5; // sometimes the weaker system wins, often a tie
  const difference = rank[b]! - rank[a]! + noise;
  const score = Math.max(-2, Math.min(2, Math.round(difference)));
  return answers[score + 2]!;
}
let ratings = 0;
for (let rater = 0; rater < 10; rater++) {
  let cookie = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, {
      method,
      headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    cookie = response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
    return (await response.json()) as Record<string, unknown>;
  };
  await call('POST', '/api/raters', {});
  for (;;) {
    const next = await call('GET', '/api/next');
    if (next.done) break;
    const a = clipSystem.get(next.clipA as string)!;
    const b = clipSystem.get(next.clipB as string)!;
    const careless = rater === 2; // one careless rater who always says "strongly A"
    await call('POST', '/api/ratings', {
      assignmentId: next.assignmentId,
      relevance: careless ? 'strongA' : judge(relevanceRank, a, b),
      preference: careless ? 'strongA' : judge(preferenceRank, a, b),
    });
    ratings++;
  }
}
server.kill('SIGTERM');
console.error(`${ratings} simulated ratings submitted`);
v2meow([
  'study',
  'report',
  studyDir,
  '-o',
  join(outputDir, 'report.md'),
  '--plots',
  join(outputDir, 'plots'),
]);
console.error(`report: ${join(outputDir, 'report.md')}, plots: ${join(outputDir, 'plots')}`);
