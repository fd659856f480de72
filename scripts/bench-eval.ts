// `npm run bench:eval`: how long `v2meow eval` takes on the clips of test/eval/cli.test.ts (7 shared music
// excerpts of 15 s against lowpassed, noisy copies): a run with a cold feature cache, then the same run reading
// the cache. Prints seconds per run and per clip (the test asserts only results; the speed figure lives here).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath } from '../src/media/ffmpeg.js';
import { mediaDir, repoRoot } from '../test/helpers.js';

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

function ffmpeg(args: string[]): void {
  const result = spawnSync(ffmpegPath(), ['-v', 'error', '-nostdin', '-y', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
}

function timedEval(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'v2meow.js'), 'eval', ...args], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return (performance.now() - started) / 1000;
}

const folder = mkdtempSync(join(tmpdir(), 'v2meow-bench-eval-'));
try {
  const reference = join(folder, 'reference');
  const light = join(folder, 'light');
  for (const path of [reference, light]) mkdirSync(path);
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
    ffmpeg(['-i', original, '-af', 'lowpass=f=6000', join(light, `${name}.wav`)]);
  }
  const cache = join(folder, 'cache');
  const args = ['--generated', light, '--reference', reference, '--cache', cache, '--json'];
  const cold = timedEval(args);
  const warm = timedEval(args);
  const perClip = (seconds: number) => (seconds / sources.length).toFixed(2);
  process.stdout.write(
    `v2meow eval, ${sources.length} clips of ${excerptSec} s (generated + reference):\n` +
      `  cold cache: ${cold.toFixed(1)} s (${perClip(cold)} s per clip)\n` +
      `  warm cache: ${warm.toFixed(1)} s (${perClip(warm)} s per clip), ${(cold / warm).toFixed(1)}x faster\n`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
