// Lyra v2 float port vs the TFLite goldens (../shared/golden/lyra_*): float sections to ~1e-5, int8 sections
// within the tolerances the golden README gives (latents ~6% relative, level-0 codes >= 85% agree, decoder
// ~21 dB SNR); the quantizer exactly; streaming = whole clip; a tone keeps its pitch through the codec.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { leakySlope, StreamState } from '../../src/codec/layers.js';
import { loadLyraCodebooks } from '../../src/codec/lyra/lyraWeights.js';
import { melL1Distance } from '../../src/codec/metrics.js';
import { loadLyraCodec } from '../../src/codec/soundstream.js';
import { decodeAudio } from '../../src/media/audio.js';
import { noGrad, type Tensor, tensor, tidy } from '../../src/torch/index.js';
import { goldenDir, mediaDir, slow } from '../helpers.js';

function golden(folder: string, file: string): Float32Array {
  const b = readFileSync(join(goldenDir, folder, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (actual[i]! - expected[i]!) ** 2;
    den += expected[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** [1, C, T] -> time-major [T, C] values (the golden layout). */
function timeMajor(x: Tensor): Float32Array {
  return x.squeeze(0).t().contiguous().toFloat32Array();
}

/** Frequency (Hz) of the largest DFT bin of x between 50 Hz and 4 kHz (1 Hz grid over 1 s). */
function peakHz(x: Float32Array, rate: number): number {
  let best = 0;
  let bestPower = -1;
  const n = rate;
  const start = x.length - n;
  for (let hz = 50; hz < 4000; hz++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      re += x[start + i]! * Math.cos((2 * Math.PI * hz * i) / rate);
      im -= x[start + i]! * Math.sin((2 * Math.PI * hz * i) / rate);
    }
    if (re * re + im * im > bestPower) {
      bestPower = re * re + im * im;
      best = hz;
    }
  }
  return best;
}

describe('Lyra v2 port vs TFLite goldens', slow, () => {
  const codec = loadLyraCodec();
  const audio = golden('lyra_soundstream_encoder', 'input_audio.f32.bin');

  test('encoder: float sections match to 1e-5, latents within the float-port tolerance', () =>
    noGrad(() =>
      tidy(() => {
        const enc = codec.encoder;
        const x = tensor(audio, [1, 1, audio.length]);
        const first = enc.input.forward(x);
        assert.ok(
          relativeError(timeMajor(first), golden('lyra_soundstream_encoder', 'intermediate_92.f32.bin')) <
            1e-5,
        );
        const block0 = enc.blocks[0]!.forward(first);
        assert.ok(
          relativeError(timeMajor(block0), golden('lyra_soundstream_encoder', 'intermediate_116.f32.bin')) <
            1e-5,
        );
        const down1 = enc.downsample[1]!.forward(
          enc.blocks[1]!.forward(enc.downsample[0]!.forward(block0.leakyRelu(leakySlope))).leakyRelu(
            leakySlope,
          ),
        );
        assert.ok(
          relativeError(timeMajor(down1), golden('lyra_soundstream_encoder', 'intermediate_148.f32.bin')) <
            1e-5,
        );
        const latents = timeMajor(enc.forward(x));
        const error = relativeError(latents, golden('lyra_soundstream_encoder', 'output_latents.f32.bin'));
        assert.ok(error < 0.08, `latent relative error ${error}`);
        // Level-0 codes of our latents vs TFLite's codes.
        const codes = codec.quantizer.encode(tensor(latents, [1, 50, 64]).permute([0, 2, 1]), 1).toArray();
        const goldenCodes = golden('lyra_quantizer', 'codes_nq46.f32.bin');
        const agree = codes.filter((c, f) => c === goldenCodes[f * 46]).length / 50;
        assert.ok(agree >= 0.85, `level-0 agreement ${agree}`);
      }),
    ));

  test('quantizer: codebooks, codes and decoded latents of the TFLite latents match exactly', () =>
    noGrad(() =>
      tidy(() => {
        assert.deepEqual(loadLyraCodebooks(), golden('lyra_quantizer', 'codebooks_probed.f32.bin'));
        const latents = tensor(
          golden('lyra_soundstream_encoder', 'output_latents.f32.bin'),
          [1, 50, 64],
        ).permute([0, 2, 1]);
        for (const nq of [46, 16]) {
          const codes = codec.quantizer.encode(latents, nq); // [1, nq, 50]
          const expected = golden('lyra_quantizer', `codes_nq${nq}.f32.bin`); // [50, 46], -1 past nq
          const ours = codes.squeeze(0).t().contiguous().toArray();
          for (let f = 0; f < 50; f++)
            assert.deepEqual(
              ours.slice(f * nq, (f + 1) * nq),
              Array.from(expected.subarray(f * 46, f * 46 + nq)),
            );
          const decoded = timeMajor(codec.quantizer.decode(codes));
          assert.ok(relativeError(decoded, golden('lyra_quantizer', `decoded_nq${nq}.f32.bin`)) < 1e-5);
        }
      }),
    ));

  test('decoder: float bottleneck to 1e-5, audio about 21 dB SNR against TFLite', () =>
    noGrad(() =>
      tidy(() => {
        const latents = tensor(golden('lyra_quantizer', 'decoded_nq46.f32.bin'), [1, 50, 64])
          .permute([0, 2, 1])
          .contiguous();
        const bottleneck = timeMajor(codec.decoder.bottleneck.forward(latents));
        assert.ok(
          relativeError(bottleneck, golden('lyra_lyragan_decoder', 'intermediate_108.f32.bin')) < 1e-5,
        );
        const out = codec.decoder.forward(latents).flatten().toFloat32Array();
        const snr =
          -20 * Math.log10(relativeError(out, golden('lyra_lyragan_decoder', 'output_audio.f32.bin')));
        assert.ok(snr > 19, `decoder SNR ${snr} dB`);
      }),
    ));

  test('streaming, 320 samples per call, equals the whole clip (encoder and decoder)', () =>
    noGrad(() =>
      tidy(() => {
        const x = tensor(audio, [1, 1, audio.length]);
        const whole = codec.encoder.forward(x);
        const state = new StreamState();
        for (let f = 0; f < 50; f += 7) {
          const n = Math.min(7, 50 - f);
          const part = codec.encoder.forward(x.narrow(2, f * 320, n * 320), state);
          assert.ok(
            part
              .sub(whole.narrow(2, f, n))
              .abs()
              .max()
              .item() < 1e-4,
          );
        }
        state.dispose();
        const tokens = codec.encode(x.squeeze(1));
        const decoded = codec.decode(tokens);
        const stream = codec.streamingDecoder();
        const pieces = [] as Tensor[];
        for (let f = 0; f < 50; f++) pieces.push(stream.push(tokens.narrow(2, f, 1)));
        stream.dispose();
        const joined = pieces.map((p) => p.toFloat32Array());
        const flat = new Float32Array(16000);
        for (const [f, p] of joined.entries()) flat.set(p, f * 320);
        assert.ok(relativeError(flat, decoded.flatten().toFloat32Array()) < 1e-5);
      }),
    ));

  test('a 440 Hz tone keeps its pitch through Lyra at 9.2 kbps', () =>
    noGrad(() =>
      tidy(() => {
        const rate = 16000;
        const wave = Float32Array.from(
          { length: 2 * rate },
          (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate),
        );
        const out = codec
          .decode(codec.encode(tensor(wave, [1, wave.length])))
          .flatten()
          .toFloat32Array();
        const hz = peakHz(out, rate);
        assert.ok(Math.abs(hz - 440) <= 5, `peak at ${hz} Hz`);
      }),
    ));
  test('reconstructs the Lyra speech samples with mel-L1 within 10% of lyra_on_music.md', async () => {
    // Reference per-clip figures at 46 / 16 quantizers (9.2 / 3.2 kbps).
    const reference: [string, number, number][] = [
      ['lyra_sample1_16kHz.wav', 0.172, 0.22],
      ['lyra_sample2_16kHz.wav', 0.193, 0.238],
    ];
    for (const [file, q46, q16] of reference) {
      const wave = await decodeAudio(join(mediaDir, 'speech', file), { sampleRateHz: 16000 });
      for (const [levels, expected] of [
        [46, q46],
        [16, q16],
      ] as const) {
        const out = noGrad(() =>
          tidy(() =>
            codec
              .decode(codec.encode(tensor(wave, [1, wave.length]), levels))
              .narrow(1, 0, wave.length)
              .contiguous()
              .toFloat32Array(),
          ),
        );
        const mel = melL1Distance(wave, out);
        assert.ok(
          Math.abs(mel - expected) <= 0.1 * expected,
          `${file} at ${levels} quantizers: mel-L1 ${mel}, reference ${expected}`,
        );
      }
    }
  });
});
