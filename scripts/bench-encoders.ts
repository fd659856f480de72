// `npm run bench:encoders`: speed of the frozen TFLite encoders on this machine (1 runtime thread each).
// YAMNet as a real-time factor on the Brahms clip (decoding excluded), MobileNetV2 / v1 0.25 / MoveNet in
// frames per second on 224x224 / 192x192 frames (resizing excluded). MusiCNN runs on the libtorch engine with
// its default threads (one per core), log-mel frontend included. Goals from issue 4: YAMNet >= 100x,
// MusiCNN >= 50x, MobileNetV2 >= 20 frames/s.
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Mobilenet } from '../src/encoders/mobilenet.js';
import { Movenet } from '../src/encoders/movenet.js';
import { MusicnnStyleEncoder } from '../src/encoders/musicnn.js';
import { Yamnet } from '../src/encoders/yamnet.js';
import { decodeAudio } from '../src/media/index.js';
import { getNumThreads } from '../src/torch/index.js';

const mediaDir = resolve(
  process.env.V2MEOW_SHARED ?? join(import.meta.dirname, '..', '..', '..', 'shared'),
  'media',
);

function seconds(run: () => void): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

/** Median of `repeats` timings. */
function median(repeats: number, run: () => void): number {
  const times = Array.from({ length: repeats }, () => seconds(run)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function randomFrame(side: number, seed: number) {
  const data = new Uint8Array(side * side * 3);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return { data, width: side, height: side };
}

async function main(): Promise<void> {
  console.log(`cores: ${availableParallelism()}; TFLite wasm runtime, 1 thread per model`);
  const yamnet = await Yamnet.fromPretrained();
  const clip = join(mediaDir, 'music/brahms_hungarian_dance_5.ogg');
  const waveform = await decodeAudio(clip, { sampleRateHz: 16000 });
  const clipSec = waveform.length / 16000;
  yamnet.run(waveform.subarray(0, 16000)); // warm-up
  const yamnetSec = median(3, () => yamnet.run(waveform));
  const windows = yamnet.numWindows(waveform.length);
  console.log(
    `yamnet          ${(clipSec / yamnetSec).toFixed(0).padStart(5)}x real time  ` +
      `(${clipSec.toFixed(1)} s clip, ${windows} windows, ${((yamnetSec / windows) * 1000).toFixed(2)} ms/window; goal 100x)`,
  );
  yamnet.dispose();

  const musicnn = await MusicnnStyleEncoder.fromPretrained();
  musicnn.mtt.tag(waveform.subarray(0, 16000 * 6)); // warm-up
  const cpuBefore = process.cpuUsage();
  const musicnnSec = median(3, () => musicnn.mtt.tag(waveform));
  const cpuUsed = process.cpuUsage(cpuBefore);
  // CPU seconds per run: on a shared machine the wall clock depends on the other engineers' load, CPU time less.
  const cpuSec = (cpuUsed.user + cpuUsed.system) / 1e6 / 3;
  const patches = musicnn.mtt.tag(waveform).numPatches;
  console.log(
    `musicnn-mtt     ${(clipSec / musicnnSec).toFixed(0).padStart(5)}x real time  ` +
      `(${patches} patches of 3 s, ${((musicnnSec / patches) * 1000).toFixed(1)} ms/patch with log-mel, ` +
      `${getNumThreads()} engine threads; ${(clipSec / cpuSec).toFixed(0)}x per CPU-second; goal 50x)`,
  );
  const pairSec = median(3, () => musicnn.tagBoth(waveform));
  console.log(
    `musicnn-mtt+msd ${(clipSec / pairSec).toFixed(0).padStart(5)}x real time  (style embedding: one log-mel, both taggers)`,
  );
  musicnn.dispose();

  const frames = Array.from({ length: 20 }, (_, i) => randomFrame(224, i + 1));
  for (const preset of ['default', 'fast'] as const) {
    const model = await Mobilenet.fromPretrained(preset);
    model.encode(frames[0]!);
    const sec = median(3, () => {
      for (const frame of frames) model.encode(frame);
    });
    const name = preset === 'default' ? 'mobilenet-v2' : 'mobilenet-v1-025';
    const goal = preset === 'default' ? '; goal 20 frames/s' : '';
    console.log(
      `${name.padEnd(16)}${(frames.length / sec).toFixed(0).padStart(5)} frames/s  (${((sec / frames.length) * 1000).toFixed(2)} ms/frame${goal})`,
    );
    model.dispose();
  }

  const movenet = await Movenet.fromPretrained();
  const poses = Array.from({ length: 20 }, (_, i) => randomFrame(192, i + 7).data);
  movenet.runSquare(poses[0]!);
  const movenetSec = median(3, () => {
    for (const pixels of poses) movenet.runSquare(pixels);
  });
  console.log(
    `movenet         ${(poses.length / movenetSec).toFixed(0).padStart(5)} frames/s  (${((movenetSec / poses.length) * 1000).toFixed(2)} ms/frame)`,
  );
  movenet.dispose();
}

await main();
