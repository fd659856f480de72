// Media module: probe, frame counts at 1 and 8 fps, audio sample counts, WAV round trips, mux, and every bad
// input giving a typed error that names the file, with no temporary file left behind.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type ErrorCode, V2meowError } from '../../src/errors.js';
import {
  decodeAudio,
  decodeFrameStreams,
  decodeFrames,
  muxAudioIntoVideo,
  probe,
  readWav,
  writeAudio,
  writeWav,
} from '../../src/media/index.js';
import { mediaDir } from '../helpers.js';
import { fastH264, ffmpeg, lavfi, makeRotatedVideo, makeTestVideo, patchFourcc } from './fixtures.js';

let folder: string;
let video: string;
before(() => {
  folder = mkdtempSync(join(tmpdir(), 'v2meow-media-'));
  video = makeTestVideo(folder, 'test.mp4', 10);
});
after(() => rmSync(folder, { recursive: true, force: true }));

async function expectError(
  promise: Promise<unknown>,
  code: ErrorCode,
  file: string,
  reason: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof V2meowError, `expected V2meowError, got ${error}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.file, file);
    assert.ok(error.message.startsWith(`${file}: `), error.message);
    assert.match(error.message, reason);
    return true;
  });
}

async function drain(frames: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of frames) count++;
  return count;
}

/** Files in `dir` whose names mark them as our temporary outputs. */
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.includes('.tmp-'));

test('probe reports duration, streams, frame rate, size and audio', async () => {
  const info = await probe(video);
  assert.ok(Math.abs(info.durationSec - 10) < 0.1, `duration ${info.durationSec}`);
  assert.equal(info.hasVideo, true);
  assert.equal(info.hasAudio, true);
  assert.equal(info.fps, 24);
  assert.deepEqual([info.width, info.height, info.rotationDeg], [320, 240, 0]);
  assert.deepEqual(
    info.streams.map((s) => [s.type, s.codec]),
    [
      ['video', 'h264'],
      ['audio', 'aac'],
    ],
  );
  const noAudio = await probe(join(mediaDir, 'video', 'mdn_bug_no_audio.mp4'));
  assert.equal(noAudio.hasAudio, false);
});

test('a 10 s video decodes to exactly 10 frames at 1 fps and 80 at 8 fps, in one pass or alone', async () => {
  assert.equal(await drain(decodeFrames(video, { fps: 1, width: 224, height: 224 })), 10);
  assert.equal(await drain(decodeFrames(video, { fps: 8, width: 80, height: 60, pixelFormat: 'gray' })), 80);
  const counts = [0, 0];
  const times: number[] = [];
  for await (const frame of decodeFrameStreams(video, [
    { fps: 1, width: 224, height: 224, resize: 'crop' },
    { fps: 8, width: 80, height: 60, pixelFormat: 'gray' },
  ])) {
    counts[frame.streamIndex]!++;
    if (frame.streamIndex === 0) {
      times.push(frame.timeSec);
      assert.equal(frame.data.length, 224 * 224 * 3);
    } else assert.equal(frame.data.length, 80 * 60);
  }
  assert.deepEqual(counts, [10, 80]);
  assert.deepEqual(times, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('rotated phone video is detected and decoded upright', async () => {
  const rotated = makeRotatedVideo(folder);
  const info = await probe(rotated);
  assert.deepEqual(
    [info.rotationDeg, info.width, info.height, info.displayWidth, info.displayHeight],
    [90, 64, 32, 32, 64],
  );
  for await (const frame of decodeFrames(rotated, { fps: 1, width: 32, height: 64, pixelFormat: 'gray' })) {
    assert.ok(frame.data[10 * 32 + 16]! > 200, 'top half white');
    assert.ok(frame.data[54 * 32 + 16]! < 50, 'bottom half black');
  }
});

test('audio decodes to exact sample counts, and WAV (PCM16, float32) round-trips', async () => {
  const samples = Float32Array.from(
    { length: 16000 },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000),
  );
  const pcm = join(folder, 'tone16.wav');
  const float = join(folder, 'tone32.wav');
  await writeWav(pcm, samples, 16000, { format: 'pcm16' });
  await writeWav(float, samples, 16000, { format: 'float32' });
  assert.deepEqual(readWav(float).samples, samples);
  const pcmBack = readWav(pcm);
  assert.equal(pcmBack.format, 'pcm16');
  assert.ok(pcmBack.samples.every((v, i) => Math.abs(v - samples[i]!) < 1 / 16000));
  assert.equal((await decodeAudio(float, { sampleRateHz: 16000 })).length, 16000);
  assert.deepEqual(await decodeAudio(float, { sampleRateHz: 16000 }), samples);
  assert.equal((await decodeAudio(float, { sampleRateHz: 32000 })).length, 32000);
  assert.equal((await decodeAudio(video, { sampleRateHz: 16000, durationSec: 3 })).length, 48000);
  assert.equal(
    (await decodeAudio(video, { sampleRateHz: 22050, startSec: 9, durationSec: 2 })).length,
    44100,
  );
  assert.equal(leftovers(folder).length, 0);
});

test('mux: one video and one audio stream, as long as the video within one frame; audio-only flac', async () => {
  const output = join(folder, 'muxed.mp4');
  const audio = Float32Array.from({ length: 16000 * 7 }, (_, i) => 0.3 * Math.sin(i / 10)); // shorter: padded
  await muxAudioIntoVideo(video, { samples: audio, sampleRateHz: 16000 }, output);
  const info = await probe(output);
  assert.deepEqual(
    info.streams.map((s) => s.type),
    ['video', 'audio'],
  );
  assert.equal(info.streams[1]!.codec, 'aac');
  const videoDuration = info.streams[0]!.durationSec!;
  assert.ok(
    Math.abs(info.streams[1]!.durationSec! - videoDuration) <= 1 / 24,
    `audio ${info.streams[1]!.durationSec} vs ${videoDuration}`,
  );
  assert.ok(Math.abs(info.durationSec - 10) <= 1 / 24);
  const longer = Float32Array.from({ length: 16000 * 13 }, (_, i) => 0.3 * Math.sin(i / 10)); // longer: cut
  await muxAudioIntoVideo(video, { samples: longer, sampleRateHz: 16000 }, output);
  assert.ok(Math.abs((await probe(output)).durationSec - 10) <= 1 / 24);
  const flac = join(folder, 'out.flac');
  await writeAudio(flac, audio, 16000);
  const flacInfo = await probe(flac);
  assert.equal(flacInfo.streams[0]!.codec, 'flac');
  assert.equal((await decodeAudio(flac, { sampleRateHz: 16000 })).length, audio.length);
  assert.equal(leftovers(folder).length, 0);
});

test('bad input: missing file', async () => {
  const missing = join(folder, 'missing.mp4');
  await expectError(probe(missing), 'FILE_NOT_FOUND', missing, /no such file/);
  await expectError(decodeAudio(missing, { sampleRateHz: 16000 }), 'FILE_NOT_FOUND', missing, /no such file/);
  await expectError(
    drain(decodeFrames(missing, { fps: 1, width: 8, height: 8 })),
    'FILE_NOT_FOUND',
    missing,
    /no such file/,
  );
});

test('bad input: not a media file', async () => {
  const text = join(folder, 'notes.mp4');
  writeFileSync(text, 'these are not the frames you are looking for\n'.repeat(50));
  await expectError(probe(text), 'NOT_MEDIA', text, /not a media file/);
  await expectError(decodeAudio(text, { sampleRateHz: 16000 }), 'NOT_MEDIA', text, /not a media file/);
});

test('bad input: no video stream, and no audio stream', async () => {
  const wav = join(folder, 'only-audio.wav');
  await writeWav(wav, new Float32Array(1600), 16000);
  await expectError(
    drain(decodeFrames(wav, { fps: 1, width: 8, height: 8 })),
    'NO_VIDEO_STREAM',
    wav,
    /no video stream/,
  );
  const silent = join(mediaDir, 'video', 'mdn_bug_no_audio.mp4');
  await expectError(
    decodeAudio(silent, { sampleRateHz: 16000 }),
    'NO_AUDIO_STREAM',
    silent,
    /no audio stream/,
  );
});

test('bad input: zero duration', async () => {
  const empty = join(folder, 'empty.wav');
  await writeWav(empty, new Float32Array(0), 16000);
  await expectError(decodeAudio(empty, { sampleRateHz: 16000 }), 'ZERO_DURATION', empty, /zero duration/);
});

test('bad input: truncated file (index missing) and corrupt data', async () => {
  const truncated = join(folder, 'truncated.mp4');
  copyFileSync(video, truncated);
  truncateSync(truncated, 100000);
  await expectError(probe(truncated), 'CORRUPT_MEDIA', truncated, /truncated or corrupt/);
  const faststart = join(folder, 'faststart.mp4');
  ffmpeg(['-i', video, '-c', 'copy', '-movflags', '+faststart', faststart]);
  const corrupt = join(folder, 'corrupt.mp4');
  const bytes = (await import('node:fs')).readFileSync(faststart);
  for (let offset = 20000; offset < bytes.length - 20000; offset += 5000)
    bytes.fill(0x55, offset, offset + 2000);
  writeFileSync(corrupt, bytes);
  await expectError(
    drain(decodeFrames(corrupt, { fps: 8, width: 32, height: 32 })),
    'CORRUPT_MEDIA',
    corrupt,
    /truncated or corrupt/,
  );
  await expectError(
    decodeAudio(corrupt, { sampleRateHz: 16000 }),
    'CORRUPT_MEDIA',
    corrupt,
    /truncated or corrupt/,
  );
});

test('bad input: unsupported codec', async () => {
  const unknown = patchFourcc(video, folder, 'unknown-codec.mp4', 'avc1', 'zzzz');
  await expectError(
    drain(decodeFrames(unknown, { fps: 1, width: 8, height: 8 })),
    'UNSUPPORTED_CODEC',
    unknown,
    /codec is not supported/,
  );
});

test('bad input: very large resolution', async () => {
  const huge = join(folder, 'huge.mp4');
  ffmpeg([...lavfi('color=red:s=8192x4352:r=25'), '-frames:v', '1', ...fastH264, huge]);
  await expectError(
    drain(decodeFrames(huge, { fps: 1, width: 8, height: 8 })),
    'RESOLUTION_TOO_LARGE',
    huge,
    /8192x4352 is above the limit/,
  );
});

test('failed outputs leave no temporary file and no output', async () => {
  const text = join(folder, 'bad-video.mp4');
  writeFileSync(text, 'not a video');
  const outputFolder = mkdtempSync(join(folder, 'out-'));
  const output = join(outputFolder, 'result.mp4');
  await expectError(
    muxAudioIntoVideo(text, { samples: new Float32Array(100), sampleRateHz: 16000 }, output),
    'NOT_MEDIA',
    text,
    /not a media file/,
  );
  // ffmpeg itself fails mid-write: an audio input it cannot read.
  const badAudio = join(folder, 'bad-audio.wav');
  writeFileSync(badAudio, 'RIFF....WAVEjunk');
  await assert.rejects(muxAudioIntoVideo(video, { path: badAudio }, output), V2meowError);
  await assert.rejects(
    writeAudio(join(outputFolder, 'x.mp3'), new Float32Array(10), 16000),
    /must end in .wav or .flac/,
  );
  await expectError(
    writeWav(join(folder, 'no-such-dir', 'x.wav'), new Float32Array(10), 16000),
    'FILE_NOT_FOUND',
    join(folder, 'no-such-dir', 'x.wav'),
    /output folder/,
  );
  assert.deepEqual(readdirSync(outputFolder), []);
  assert.equal(leftovers(folder).length, 0);
});
