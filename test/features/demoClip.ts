// The 120 bpm demo clip of scripts/demo.sh, built by the same ffmpeg lavfi command: an orange box swinging
// left and right once a second over navy (direction reversals every 0.5 s, at 0.25 + k / 2 s) and a drum loop
// (a 60 Hz kick on every 0.5 s, a noise hat between). Duration is a parameter (demo.sh uses 10 s).
import { spawnSync } from 'node:child_process';

/** Writes the clip to `path` (H.264 + AAC mp4). */
export function writeDemoClip(path: string, durationSec = 10): void {
  const d = durationSec;
  const result = spawnSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=navy:s=320x240:r=24:d=${d}[bg];color=c=orange:s=60x60:r=24:d=${d}[box];[bg][box]overlay=x='130+100*sin(2*PI*t)':y=90`,
    '-f',
    'lavfi',
    '-i',
    `aevalsrc='0.8*sin(2*PI*60*t)*exp(-18*mod(t,0.5))+0.2*(random(0)-0.5)*exp(-60*mod(t+0.25,0.5))':s=16000:d=${d}`,
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    path,
  ]);
  if (result.status !== 0) throw new Error(`cannot build the demo clip: ${result.stderr}`);
}
