// The Opus anchor of the codec evaluation: a waveform through ffmpeg's libopus encoder at a given bitrate
// and back, at the input's sample rate, trimmed or padded to the input's length (ffmpeg drops Opus's
// pre-skip, so the decoded audio starts aligned).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { V2meowError } from '../errors.js';
import { ffmpegFileArgument, ffmpegPath, runProcess } from '../media/ffmpeg.js';
import { encodeWav } from '../media/wav.js';

/** Encodes `wave` with libopus at `bitrateKbps` (VBR off) and decodes it back. */
export async function opusRoundTrip(
  wave: Float32Array,
  sampleRateHz: number,
  bitrateKbps: number,
): Promise<Float32Array> {
  const dir = mkdtempSync(join(tmpdir(), 'v2meow-opus-'));
  try {
    const wav = join(dir, 'in.wav');
    const opus = join(dir, 'out.opus');
    writeFileSync(wav, encodeWav(wave, sampleRateHz, { format: 'float32' }));
    const bitrate = `${Math.round(bitrateKbps * 1000)}`;
    const enc = await runProcess(ffmpegPath(), [
      '-v',
      'error',
      '-nostdin',
      '-y',
      '-i',
      ffmpegFileArgument(wav),
      '-c:a',
      'libopus',
      '-b:a',
      bitrate,
      '-vbr',
      'off',
      ffmpegFileArgument(opus),
    ]);
    if (enc.exitCode !== 0)
      throw new V2meowError('FFMPEG_FAILED', `libopus at ${bitrateKbps} kbps failed: ${enc.stderr.trim()}`);
    const dec = await runProcess(ffmpegPath(), [
      '-v',
      'error',
      '-nostdin',
      '-i',
      ffmpegFileArgument(opus),
      '-ac',
      '1',
      '-ar',
      String(sampleRateHz),
      '-f',
      'f32le',
      'pipe:1',
    ]);
    if (dec.exitCode !== 0)
      throw new V2meowError('FFMPEG_FAILED', `decoding Opus failed: ${dec.stderr.trim()}`);
    const bytes = dec.stdout;
    const decoded = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const out = new Float32Array(wave.length);
    out.set(decoded.subarray(0, wave.length));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
