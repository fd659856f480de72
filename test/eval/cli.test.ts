// End to end: `v2meow eval --json` on shared music (first 15 s) against ffmpeg-degraded copies made here. A
// light degradation (mild lowpass + faint noise) must rank better than a heavy one (strong lowpass + loud noise
// + 16 kb/s MP3 at 8 kHz) on every metric; a second run reads the cache and gives the same numbers; bad inputs
// fail with the file named. How long a run takes is measured by `npm run bench:eval`, not here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ffmpegPath } from '../../src/media/ffmpeg.js';
import { mediaDir, repoRoot, slow } from '../helpers.js';

const bin = join(repoRoot, 'bin', 'v2meow.js');
const folder = mkdtempSync(join(tmpdir(), 'v2meow-eval-cli-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const run = (args: string[]) => spawnSync(process.execPath, [bin, 'eval', ...args], { encoding: 'utf8' });

const sources = [
  'brahms_hungarian_dance_5.ogg',
  'kevin_macleod_vibe_ace.ogg',
  'sorohanro_solo_trumpet_06.ogg',
  'basic_pitch_vocal_da_80bpm.wav',
  'tempo/warzone2100_legacy_track4_80bpm.opus',
  'tempo/warzone2100_legacy_track13_130bpm.opus',
  'tempo/warzone2100_legacy_track16_125bpm.opus',
];
const excerptSec = 15;
const reference = join(folder, 'reference');
const light = join(folder, 'light');
const heavy = join(folder, 'heavy');
const cache = join(folder, 'cache');

function ffmpeg(args: string[]): void {
  const result = spawnSync(ffmpegPath(), ['-v', 'error', '-nostdin', '-y', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

before(() => {
  if (slow.skip) return;
  for (const path of [reference, light, heavy]) mkdirSync(path);
  for (const source of sources) {
    const name = source.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
    const original = join(reference, `${name}.wav`);
    ffmpeg([
      '-t',
      String(excerptSec),
      '-i',
      join(mediaDir, 'music', source),
      '-ac',
      '1',
      '-ar',
      '22050',
      original,
    ]);
    ffmpeg([
      '-i',
      original,
      '-filter_complex',
      `[0:a]lowpass=f=6000[a];anoisesrc=a=0.003:c=pink:r=22050:d=${excerptSec}:seed=1[n];[a][n]amix=inputs=2:duration=first:normalize=0`,
      '-ar',
      '22050',
      join(light, `${name}.wav`),
    ]);
    ffmpeg([
      '-i',
      original,
      '-filter_complex',
      `[0:a]lowpass=f=1000[a];anoisesrc=a=0.08:c=white:r=22050:d=${excerptSec}:seed=2[n];[a][n]amix=inputs=2:duration=first:normalize=0`,
      '-ac',
      '1',
      '-ar',
      '8000',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '16k',
      join(heavy, `${name}.mp3`),
    ]);
  }
});

const lowerIsBetter = ['fad', 'fadStyle', 'kl', 'klMusic'] as const;
const higherIsBetter = ['styleCos', 'beatCoverage', 'beatHit', 'beatF1'] as const;

test('v2meow eval --json: light degradation beats heavy on every metric', slow, () => {
  const lightRun = run(['--generated', light, '--reference', reference, '--cache', cache, '--json']);
  assert.equal(lightRun.status, 0, lightRun.stderr);
  assert.match(lightRun.stderr, /generated 1\/7/);
  const heavyRun = run([
    '--generated',
    heavy,
    '--reference',
    reference,
    '--cache',
    cache,
    '--json',
    '-o',
    join(folder, 'heavy.md'),
  ]);
  assert.equal(heavyRun.status, 0, heavyRun.stderr);
  const good = JSON.parse(lightRun.stdout);
  const bad = JSON.parse(heavyRun.stdout);
  assert.equal(good.numClips, sources.length);
  for (const key of lowerIsBetter)
    assert.ok(good[key] < bad[key], `${key}: light ${good[key]} vs heavy ${bad[key]}`);
  for (const key of higherIsBetter)
    assert.ok(good[key] > bad[key], `${key}: light ${good[key]} vs heavy ${bad[key]}`);
  // Baselines: the reference against itself is perfect; the shuffle is worse than the light copy.
  const self = good.baselines.reference;
  for (const key of lowerIsBetter) assert.ok(self[key] < 1e-3, `reference ${key} ${self[key]}`);
  for (const key of higherIsBetter)
    assert.ok(Math.abs(self[key] - 1) < 1e-9, `reference ${key} ${self[key]}`);
  const shuffle = good.baselines.shuffle;
  for (const key of ['kl', 'klMusic'] as const) assert.ok(shuffle[key] > good[key]);
  for (const key of higherIsBetter) assert.ok(shuffle[key] < good[key], `shuffle ${key} ${shuffle[key]}`);
  assert.deepEqual(Object.keys(good.beatSegments.byLength), ['2', '6', '10']);
  assert.equal(good.clips.length, sources.length);
  assert.ok(
    good.genres.reduce((sum: number, g: { numClips: number }) => sum + g.numClips, 0) === sources.length,
  );
  const markdown = readFileSync(join(folder, 'heavy.md'), 'utf8');
  assert.match(markdown, /\| \*\*Generated\*\* \| \d+\.\d{3} \|/);
  assert.match(markdown, /Reference \(vs itself\) \| 0\.000 \| 0\.000 \| 0\.000 \| 1\.000/);
  // The second light run reads every clip and set from the cache: same numbers.
  const again = run(['--generated', light, '--reference', reference, '--cache', cache, '--json']);
  assert.equal(again.status, 0, again.stderr);
  const repeated = JSON.parse(again.stdout);
  for (const key of [...lowerIsBetter, ...higherIsBetter]) assert.equal(repeated[key], good[key]);
});

test(
  'v2meow eval: unreadable audio, unmatched files, empty folders and missing flags fail clearly',
  slow,
  () => {
    const broken = join(folder, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'kevin_macleod_vibe_ace.wav'), 'RIFF but not really a wave file');
    const unreadable = run(['--generated', broken, '--reference', reference, '--no-cache']);
    assert.equal(unreadable.status, 1);
    assert.match(unreadable.stderr, /v2meow eval: .*broken\/kevin_macleod_vibe_ace\.wav/);
    const unmatched = join(folder, 'unmatched');
    mkdirSync(unmatched);
    writeFileSync(join(unmatched, 'someone_else.wav'), '');
    const noMatch = run(['--generated', unmatched, '--reference', reference, '--no-cache']);
    assert.equal(noMatch.status, 1);
    assert.match(noMatch.stderr, /no reference file .* someone_else/);
    const empty = join(folder, 'empty');
    mkdirSync(empty);
    const noFiles = run(['--generated', empty, '--reference', reference]);
    assert.equal(noFiles.status, 1);
    assert.match(noFiles.stderr, /empty: no media files/);
    const usage = run(['--generated', light]);
    assert.notEqual(usage.status, 0);
    assert.match(usage.stderr, /--reference DIR/);
    assert.ok(!existsSync(join(folder, 'nothing.md')));
  },
);
