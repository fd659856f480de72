// `npm run bench:codec`: encode and decode real-time factors of the music codec (12 x 1024 RVQ on Lyra's
// encoder/decoder layout) and of Lyra v2 (46 x 16) on 10 s of the Brahms clip, whole-clip and streaming
// (decoder fed 10 frames = 0.2 s at a time). Engine threads: V2MEOW_THREADS or one per core. Goals: decode
// >= 20x real time on 2 cores (issue 7), Lyra encode + decode >= 20x (issue 4). Beside the wall clock it
// prints the factor per CPU-second of this process: the machine is shared, and the wall clock moves with the
// other jobs on it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultCodecPath } from '../src/codec/files.js';
import { createCodec, loadCodec, loadLyraCodec, type SoundStreamCodec } from '../src/codec/soundstream.js';
import { decodeAudio } from '../src/media/index.js';
import { getNumThreads, noGrad, tensor, tidy } from '../src/torch/index.js';

const mediaDir = resolve(
  process.env.V2MEOW_SHARED ?? join(import.meta.dirname, '..', '..', '..', 'shared'),
  'media',
);

interface Timing {
  /** Median wall-clock seconds. */
  readonly wall: number;
  /** Median CPU seconds (user + system) of this process. */
  readonly cpu: number;
}

function median(repeats: number, run: () => void): Timing {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    run();
    const cpu = process.cpuUsage(cpuStart);
    walls.push((performance.now() - start) / 1000);
    cpus.push((cpu.user + cpu.system) / 1e6);
  }
  const mid = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(repeats / 2)]!;
  return { wall: mid(walls), cpu: mid(cpus) };
}

function bench(name: string, codec: SoundStreamCodec, wave: Float32Array): void {
  const seconds = wave.length / codec.sampleRateHz;
  noGrad(() =>
    tidy(() => {
      const x = tensor(wave, [1, wave.length]);
      const tokens = codec.encode(x);
      const encode = median(3, () => tidy(() => codec.encode(x)));
      const decode = median(3, () => tidy(() => codec.decode(tokens)));
      const streaming = median(3, () =>
        tidy(() => {
          const stream = codec.streamingDecoder();
          for (let f = 0; f < tokens.size(2); f += 10)
            stream.push(tokens.narrow(2, f, Math.min(10, tokens.size(2) - f)));
          stream.dispose();
        }),
      );
      const rtf = (t: number) => `${(seconds / t).toFixed(1)}x`.padStart(7);
      const both = { wall: encode.wall + decode.wall, cpu: encode.cpu + decode.cpu };
      for (const clock of ['wall', 'cpu'] as const)
        console.log(
          `${name.padEnd(26)} ${clock === 'wall' ? 'wall clock ' : 'per CPU-s  '} encode ${rtf(encode[clock])}  decode ${rtf(decode[clock])}  encode+decode ${rtf(both[clock])}  streaming decode (0.2 s chunks) ${rtf(streaming[clock])}`,
        );
    }),
  );
}

const wave = (
  await decodeAudio(join(mediaDir, 'music', 'brahms_hungarian_dance_5.ogg'), { sampleRateHz: 16000 })
).subarray(0, 160000);
console.log(
  `codec real-time factors on ${wave.length / 16000} s of audio, ${getNumThreads()} engine threads`,
);
const path = defaultCodecPath();
const ours = existsSync(path) ? loadCodec(path).codec : createCodec('default').eval();
bench(`v2meow (${ours.numCodebooks} x ${ours.codebookSize})`, ours, wave);
bench('lyra v2 (46 x 16)', loadLyraCodec(), wave);
