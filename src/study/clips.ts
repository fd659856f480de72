// Playable clips for the rater page: the video's picture with one system's soundtrack, muxed into an MP4 that
// Chromium, Firefox and Safari all play (H.264 picture, AAC sound, index up front). Muxed files rather than a
// muted <video> plus a separate <audio> element keep picture and music in sync on every browser, phones
// included. The picture is stream-copied when it already is H.264/VP9/AV1 (via media's muxAudioIntoVideo);
// other codecs are first transcoded once per video to H.264 yuv420p.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import { ffmpegFileArgument, ffmpegPath, muxAudioIntoVideo, probe } from '../media/index.js';

/** Video codecs browsers decode inside MP4; anything else is transcoded. */
const browserVideoCodecs = new Set(['h264', 'vp9', 'av1']);

function runFfmpeg(args: readonly string[], about: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (error) =>
      reject(new V2meowError('FFMPEG_FAILED', error.message, about, { cause: error })),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new V2meowError('FFMPEG_FAILED', stderr.trim().split('\n').at(-1) ?? '', about)),
    );
  });
}

/**
 * Returns a path whose picture browsers can play: `videoPath` itself, or an H.264 copy written to
 * `scratchDir` (the caller removes it). Throws NO_VIDEO_STREAM and the probe errors for unreadable videos.
 */
export async function browserPlayablePicture(
  videoPath: string,
  scratchDir: string,
  stem: string,
): Promise<string> {
  const info = await probe(videoPath);
  const stream = info.streams.find((candidate) => candidate.type === 'video');
  if (!stream) throw new V2meowError('NO_VIDEO_STREAM', 'has no video stream', videoPath);
  if (stream.codec && browserVideoCodecs.has(stream.codec)) return videoPath;
  const output = join(scratchDir, `${stem}.picture.mp4`);
  rmSync(output, { force: true });
  await runFfmpeg(
    [
      '-v',
      'error',
      '-y',
      '-i',
      ffmpegFileArgument(videoPath),
      '-map',
      '0:v:0',
      '-an',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
    ].concat([
      '-crf',
      '23',
      '-pix_fmt',
      'yuv420p',
      '-vf',
      'scale=trunc(iw/2)*2:trunc(ih/2)*2',
      ffmpegFileArgument(output),
    ]),
    videoPath,
  );
  return output;
}

/** Muxes `soundtrackPath`'s first audio stream under `picturePath` into `outputPath`; returns its duration. */
export async function makeClip(
  picturePath: string,
  soundtrackPath: string,
  outputPath: string,
): Promise<number> {
  const result = await muxAudioIntoVideo(picturePath, { path: soundtrackPath }, outputPath, {
    audioBitrateKbps: 160,
  });
  return result.durationSec;
}
