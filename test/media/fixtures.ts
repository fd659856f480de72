// Test media made on the fly with ffmpeg's lavfi sources, plus deliberately broken files.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs ffmpeg with the given arguments (quiet, overwrite) and throws on failure. */
export function ffmpeg(args: string[]): void {
  const result = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${result.stderr}`);
}

/** ffmpeg input options of a lavfi source graph (testsrc2, color, sine, ...). */
export function lavfi(graph: string): string[] {
  return ['-f', 'lavfi', '-i', graph];
}

/** ffmpeg output options of the test videos: H.264 at its fastest preset, yuv420p. */
export const fastH264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/** A 320x240 24 fps test pattern with a 440 Hz tone, `durationSec` long; moov at the end (no faststart). */
export function makeTestVideo(folder: string, name = 'test.mp4', durationSec = 4): string {
  const path = join(folder, name);
  ffmpeg([
    ...lavfi(`testsrc2=size=320x240:rate=24:duration=${durationSec}`),
    ...lavfi(`sine=f=440:d=${durationSec}`),
    ...fastH264,
    '-c:a',
    'aac',
    '-shortest',
    path,
  ]);
  return path;
}

/** Copies `source` to `name` with every occurrence of `from` (4 ASCII bytes) replaced by `to`. */
export function patchFourcc(source: string, folder: string, name: string, from: string, to: string): string {
  const bytes = readFileSync(source);
  for (let i = bytes.indexOf(from); i >= 0; i = bytes.indexOf(from, i + 4)) bytes.write(to, i, 'latin1');
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

/**
 * A 64x32 video-only mp4 whose left half is white and right half black, with a display matrix that rotates
 * it 90 degrees clockwise (as a phone held upright records): displayed, the top half is white.
 */
export function makeRotatedVideo(folder: string): string {
  const plain = join(folder, 'rotated-plain.mp4');
  ffmpeg([
    ...lavfi('color=black:s=64x32:r=8:d=1'),
    '-vf',
    'drawbox=x=0:y=0:w=32:h=32:color=white:t=fill',
    ...fastH264,
    plain,
  ]);
  const bytes = readFileSync(plain);
  const tkhd = bytes.indexOf('tkhd') - 4; // atom start (size field)
  const matrix = tkhd + 48; // version-0 tkhd: 9 x 32-bit fixed-point matrix entries at offset 48
  const rotate90 = [0, 0x00010000, 0, 0xffff0000, 0, 0, 0, 0, 0x40000000];
  rotate90.forEach((value, i) => {
    bytes.writeUInt32BE(value >>> 0, matrix + 4 * i);
  });
  const path = join(folder, 'rotated.mp4');
  writeFileSync(path, bytes);
  return path;
}
