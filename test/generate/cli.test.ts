// `v2meow generate` end to end on debug weights: the 60 s demo video -> an mp4 whose picture packets are
// bit-identical to the input's and whose AAC music lasts the video within one audio frame, a mel PNG and the
// --json figures; two candidates -> two different soundtracks; text only -> a WAV of the asked length; bad
// input -> one clear line naming the file or option, a non-zero exit, and no output file.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readWav, writeWav } from '../../src/media/wav.js';
import { mediaDir, repoRoot, slow } from '../helpers.js';
import { writeDebugBundle } from './debugBundle.js';

const cli = join(repoRoot, 'bin', 'v2meow.js');
const bunny = join(mediaDir, 'video', 'big_buck_bunny_60s.mp4');
const flower = join(mediaDir, 'video', 'mdn_flower.mp4');
const noAudio = join(mediaDir, 'video', 'mdn_bug_no_audio.mp4');

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, 'generate', ...args], { encoding: 'utf8' });
}

/** The same, without blocking: the bad-input cases run side by side (most of their time is start-up). */
function runAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, 'generate', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.on('close', (status) => done({ status, stderr }));
  });
}

function tool(binary: string, args: string[]): string {
  const r = spawnSync(binary, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${binary} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** md5 of the first video stream's packets (stream copied, not decoded). */
const videoPacketsMd5 = (path: string) =>
  tool('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'md5', '-']).trim();
const streamDuration = (path: string, stream: 'v' | 'a') =>
  Number(
    tool('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      `${stream}:0`,
      '-show_entries',
      'stream=duration',
      '-of',
      'csv=p=0',
      path,
    ]),
  );
const decodedAudio = (path: string) =>
  tool('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:a:0', '-f', 'md5', '-']).trim();

describe('v2meow generate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'v2meow-generate-cli-'));

  test('60 s video -> mp4 with the picture copied and 60 s of music, a mel PNG, --json figures', slow, () => {
    const out = join(dir, 'bunny.mp4');
    const mel = join(dir, 'bunny.png');
    const r = run([bunny, '-o', out, '--plot', mel, '--model', 'debug', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(videoPacketsMd5(out), videoPacketsMd5(bunny));
    const videoSec = streamDuration(bunny, 'v');
    assert.ok(
      Math.abs(streamDuration(out, 'a') - videoSec) <= 1024 / 16000,
      `audio ${streamDuration(out, 'a')} s`,
    );
    assert.deepEqual([...readFileSync(mel).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const report = JSON.parse(r.stdout) as { candidates: Record<string, unknown>[] };
    assert.equal(report.candidates.length, 1);
    const c = report.candidates[0]!;
    assert.equal(c.output, out);
    assert.equal(c.plot, mel);
    assert.ok(Math.abs((c.seconds as number) - videoSec) < 0.05);
    assert.equal(typeof c.tempoBpm, 'number');
    assert.ok((c.beatF1 as number) >= 0 && (c.beatF1 as number) <= 1);
    assert.equal(c.styleCosine, null);
    for (const step of ['features', 'stage1', 'stage2', 'stage3', 'codec', 'total'])
      assert.equal(typeof (c.secondsPerStage as Record<string, number>)[step], 'number');
    assert.equal(r.stderr, '', 'quiet with --json');
  });

  test('--candidates 2 writes OUT-1.mp4 and OUT-2.mp4 with different soundtracks', () => {
    const r = run([
      flower,
      '-o',
      join(dir, 'flower.mp4'),
      '--candidates',
      '2',
      '--model',
      'debug',
      '-t',
      'upbeat dance',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [one, two] = [join(dir, 'flower-1.mp4'), join(dir, 'flower-2.mp4')];
    assert.ok(!existsSync(join(dir, 'flower.mp4')));
    assert.equal(videoPacketsMd5(one), videoPacketsMd5(flower));
    assert.equal(videoPacketsMd5(two), videoPacketsMd5(flower));
    assert.notEqual(decodedAudio(one), decodedAudio(two));
    assert.match(r.stderr, /stage1 .*semantic tokens/);
  });

  test('text only writes a WAV of the asked length', async () => {
    const out = join(dir, 'text.wav');
    const r = run(['-t', 'slow sad piano', '--seconds', '2.5', '-o', out, '--model', 'debug']);
    assert.equal(r.status, 0, r.stderr);
    const wav = await readWav(out);
    assert.equal(wav.sampleRateHz, 16000);
    assert.equal(wav.samples.length, 40000);
  });

  test('bad input: one line naming the file or option, non-zero exit, no output file', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    const garbage = join(bad, 'garbage.mp4');
    writeFileSync(garbage, 'not a video at all');
    const audioOnly = join(bad, 'tone.wav');
    await writeWav(audioOnly, new Float32Array(16000), 16000);
    // a video stream of zero duration (one frame in NUT)
    const zero = join(bad, 'zero.nut');
    tool('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x48:rate=24',
      '-frames:v',
      '1',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      zero,
    ]);
    const misfit = await writeDebugBundle(join(dir, 'misfit'), { misfit: true });
    const out = join(bad, 'out.mp4');
    const wav = join(bad, 'out.wav');
    const cases: [string[], RegExp][] = [
      [[audioOnly, '-o', out, '--model', 'debug'], /tone\.wav: has no video stream/],
      [[zero, '-o', out, '--model', 'debug'], /zero\.nut: has zero duration/],
      [[garbage, '-o', out, '--model', 'debug'], /garbage\.mp4: not a media file/],
      [[join(bad, 'missing.mp4'), '-o', out, '--model', 'debug'], /missing\.mp4: does not exist/],
      [
        ['-t', 'calm', '--seconds', '0', '-o', wav, '--model', 'debug'],
        /--seconds wants a number > 0, got '0'/,
      ],
      [
        ['-t', 'calm', '--seconds=-3', '-o', wav, '--model', 'debug'],
        /--seconds wants a number > 0, got '-3'/,
      ],
      [
        [noAudio, '--candidates', '0', '-o', out, '--model', 'debug'],
        /--candidates wants a whole number >= 1/,
      ],
      [
        ['-t', 'florp quux', '--seconds', '1', '-o', wav, '--model', 'debug'],
        /no style understood .*unknown words: florp, quux/,
      ],
      [
        [noAudio, '-o', out, '--model', misfit],
        /misfit[/\\]bundle\.json: the model parts do not fit: .*codebook size/,
      ],
      [
        [noAudio, '-o', join(bad, 'no-such-folder', 'out.mp4'), '--model', 'debug'],
        /no-such-folder[/\\]out\.mp4: output folder .* does not exist/,
      ],
      [['-t', 'calm', '-o', wav, '--model', 'debug'], /--seconds is needed without a video/],
      [['-t', 'calm', '--seconds', '1', '-o', out, '--model', 'debug'], /out\.mp4: output must end in \.wav/],
      [
        [noAudio, '-o', out, '--model', join(bad, 'no-model')],
        /no-model: no bundle\.json: not a model bundle/,
      ],
    ];
    const before = readdirSync(bad).sort();
    const results = await Promise.all(cases.map(([args]) => runAsync(args)));
    for (const [k, [args, pattern]] of cases.entries()) {
      const r = results[k]!;
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, pattern, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(readdirSync(bad).sort(), before, `${args.join(' ')} left a file`);
    }
  });
});
