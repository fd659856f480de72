// End-to-end CLI runs: `v2meow rhythm FILE --json` on a real excerpt, `v2meow plot` on a video's soundtrack,
// and a typed error for a missing file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mediaDir, repoRoot, slow } from '../helpers.js';

const bin = join(repoRoot, 'bin', 'v2meow.js');
const folder = mkdtempSync(join(tmpdir(), 'v2meow-cli-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('v2meow rhythm 125 bpm excerpt --json: tempo within 4% of 125', slow, () => {
  const result = run([
    'rhythm',
    join(mediaDir, 'music', 'tempo', 'warzone2100_legacy_track16_125bpm.opus'),
    '--json',
  ]);
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.ok(Math.abs(report.tempo / 125 - 1) < 0.04, `tempo ${report.tempo}`);
  assert.ok(report.beats.length > 40);
  assert.equal(report.visual, null);
});

test('v2meow rhythm on a video reports visual tempo, beats, cuts and alignment', slow, () => {
  const result = run(['rhythm', join(mediaDir, 'video', 'mdn_flower.mp4'), '--json']);
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(typeof report.visual.tempo, 'number');
  assert.ok(Array.isArray(report.visual.beats) && Array.isArray(report.visual.cuts));
  assert.equal(report.visual.motionFps, 8);
});

test('v2meow plot FILE -o mel.png --beats writes a PNG; a missing file fails with its name', slow, () => {
  const output = join(folder, 'mel.png');
  const result = run([
    'plot',
    join(mediaDir, 'music', 'sorohanro_solo_trumpet_06.ogg'),
    '-o',
    output,
    '--beats',
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual([...readFileSync(output).subarray(1, 4)], [80, 78, 71]); // "PNG"
  const missing = run(['rhythm', join(folder, 'nope.wav')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.wav: no such file/);
});
