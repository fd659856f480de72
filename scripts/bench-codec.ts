// `npm run bench:codec`: encode and decode real-time factors of the music codec (12 x 1024 RVQ on Lyra's
// encoder/decoder layout) and of Lyra v2 (46 x 16) on 10 s of the Brahms clip, whole-clip and streaming
// (decoder fed 10 frames = 0.2 s at a time). Engine threads: V2MEOW_THREADS or one per core. Goal from
// issue 7: decode >= 20x real time on 2 cores.
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

function median(repeats: number, run: () => void): number {
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const start = performance.now();
    run();
    times.push((performance.now() - start) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(repeats / 2)]!;
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
      const rtf = (t: number) => `${(seconds / t).toFixed(1)}x`;
      console.log(
        `${name.padEnd(34)} encode ${rtf(encode).padStart(7)}  decode ${rtf(decode).padStart(7)}  streaming decode (0.2 s chunks) ${rtf(streaming).padStart(7)}`,
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
