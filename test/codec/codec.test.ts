// Codec contracts on the debug preset (fast): shapes, every prefix of levels decodes, streaming = whole-clip,
// save -> load identical, token files round-trip and reject corruption, the RVQ's EMA / restarts / k-means.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeToFile, decodeTokens, defaultCodecPath, encodeToFile } from '../../src/codec/files.js';
import { logSpectralDistance, meanEmbeddingCosine, melL1Distance, siSdr } from '../../src/codec/metrics.js';
import { firstLevelLoudness, quietCodes } from '../../src/codec/quietCodes.js';
import { fitResidualKMeans, ResidualVectorQuantizer } from '../../src/codec/rvq.js';
import { createCodec, loadCodec, saveCodec } from '../../src/codec/soundstream.js';
import { decodeTokenFile, encodeTokenFile } from '../../src/codec/tokenFile.js';
import { V2meowError } from '../../src/errors.js';
import { writeWav } from '../../src/media/wav.js';
import { cat, manualSeed, noGrad, randn, tensor, tidy } from '../../src/torch/index.js';
import { repoRoot, slow } from '../helpers.js';

const hop = 320;

function tone(hz: number, seconds: number, rate = 16000): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate),
  );
}

function debugCodec() {
  manualSeed(7);
  return createCodec('debug').eval();
}

describe('SoundStreamCodec (debug preset)', () => {
  test('shapes: [B, N] -> tokens [B, K, ceil(N / 320)] -> [B, T * 320]; rates and sizes', () => {
    const codec = debugCodec();
    assert.equal(codec.hopSamples, hop);
    assert.equal(codec.frameRateHz, 50);
    tidy(() => {
      const wave = randn([2, 1000]).mul(0.1);
      const tokens = codec.encode(wave);
      assert.deepEqual(tokens.shape, [2, 4, 4]);
      assert.equal(tokens.dtype, 'int64');
      const values = tokens.toArray();
      assert.ok(values.every((v) => v >= 0 && v < codec.codebookSize));
      assert.deepEqual(codec.decode(tokens).shape, [2, 4 * hop]);
    });
    assert.throws(
      () => tidy(() => codec.encode(randn([1, 640]), 5)),
      (e: unknown) => e instanceof V2meowError && e.code === 'BAD_ARGUMENT',
    );
    assert.throws(
      () => tidy(() => codec.encode(randn([640]))),
      (e: unknown) => e instanceof V2meowError && e.code === 'SHAPE_MISMATCH',
    );
    codec.dispose();
  });

  test('every prefix of levels decodes, and more levels quantize the latents more finely', () => {
    const codec = debugCodec();
    tidy(() => {
      const wave = tensor(tone(330, 4), [1, 64000]);
      const latents = codec.latents(wave);
      // Fit the codebooks to these latents so the residual error must fall level by level.
      const rows = latents.permute([0, 2, 1]).reshape([-1, 16]);
      codec.quantizer.setCodebooks(fitResidualKMeans(rows, 4, 64, 4), 1);
      const tokens = codec.encode(wave);
      let previous = Number.POSITIVE_INFINITY;
      for (let k = 1; k <= 4; k++) {
        const prefix = tokens.narrow(1, 0, k);
        const out = codec.decode(prefix);
        assert.deepEqual(out.shape, [1, 64000]);
        assert.ok(out.isfinite().all().item());
        const error = codec.quantizer.decode(prefix).sub(latents).square().mean().item();
        assert.ok(error <= previous + 1e-6, `level ${k}: error ${error} after ${previous}`);
        previous = error;
      }
    });
    codec.dispose();
  });

  test('the streaming decoder gives the whole-clip samples, chunk by chunk', () => {
    const codec = debugCodec();
    tidy(() => {
      const tokens = codec.encode(randn([1, 20 * hop]).mul(0.2));
      const whole = codec.decode(tokens);
      const stream = codec.streamingDecoder();
      const parts = [3, 1, 7, 9].reduce<{ at: number; out: ReturnType<typeof codec.decode>[] }>(
        (acc, n) => ({ at: acc.at + n, out: [...acc.out, stream.push(tokens.narrow(2, acc.at, n))] }),
        { at: 0, out: [] },
      ).out;
      stream.dispose();
      const joined = cat(parts, 1);
      assert.deepEqual(joined.shape, whole.shape);
      assert.ok(joined.sub(whole).abs().max().item() < 1e-5);
    });
    codec.dispose();
  });

  test('save -> load gives identical weights, config and tokens', () => {
    const codec = debugCodec();
    const path = join(mkdtempSync(join(tmpdir(), 'v2meow-codec-')), 'codec.safetensors');
    saveCodec(path, codec, { steps: 3, corpus: 'none' });
    const { codec: loaded, provenance, rest } = loadCodec(path);
    assert.deepEqual(loaded.config, codec.config);
    assert.equal(provenance.steps, 3);
    assert.equal(rest.size, 0);
    for (const [name, t] of codec.stateDict())
      assert.deepEqual(loaded.stateDict().get(name)!.toFloat32Array(), t.toFloat32Array(), name);
    tidy(() => {
      const wave = randn([1, 3200]).mul(0.1);
      assert.deepEqual(loaded.encode(wave).toArray(), codec.encode(wave).toArray());
    });
    codec.dispose();
    loaded.dispose();
  });
});

describe('token files (.v2c)', () => {
  const header = {
    codec: 'x',
    sampleRateHz: 16000,
    frameRateHz: 50,
    codebookSize: 1024,
    numLevels: 3,
    numFrames: 5,
    numSamples: 1600,
  };
  const tokens = Uint16Array.from({ length: 15 }, (_, i) => (i * 97) % 1024);

  test('round-trips header and tokens', () => {
    const file = decodeTokenFile(encodeTokenFile(header, tokens));
    assert.deepEqual(Array.from(file.tokens), Array.from(tokens));
    assert.equal(file.header.numLevels, 3);
    assert.equal(file.header.codec, 'x');
    assert.equal(file.header.formatVersion, 2);
  });

  test('a corrupt, truncated or foreign file is rejected with a clear error', () => {
    const bytes = encodeTokenFile(header, tokens);
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0x40;
    const rejects = (b: Uint8Array, pattern: RegExp) =>
      assert.throws(
        () => decodeTokenFile(b, 'clip.v2c'),
        (e: unknown) =>
          e instanceof V2meowError &&
          e.code === 'BAD_FORMAT' &&
          pattern.test(e.message) &&
          e.message.startsWith('clip.v2c'),
      );
    rejects(flipped, /checksum/);
    rejects(bytes.subarray(0, bytes.length - 4), /truncated/);
    rejects(new TextEncoder().encode('RIFF....WAVEfmt '), /magic/);
    const badHeader = bytes.slice();
    badHeader[12] = 0x78; // 'x' instead of '{': not JSON
    rejects(badHeader, /not JSON/);
    const tooLarge = encodeTokenFile(
      { ...header, codebookSize: 16 },
      Uint16Array.from(tokens, () => 500),
    );
    rejects(tooLarge, /codebook size/);
    assert.throws(() => encodeTokenFile(header, tokens.subarray(0, 4)), /SHAPE|tokens for/);
  });

  test('audio file -> .v2c -> WAV with the debug codec; a prefix of levels decodes; codec mismatch is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'v2meow-v2c-'));
    const wav = join(dir, 'tone.wav');
    await writeWav(wav, tone(440, 0.5), 16000);
    const codec = debugCodec();
    const info = await encodeToFile(codec, wav, join(dir, 'tone.v2c'));
    assert.equal(info.numFrames, 25);
    assert.equal(info.numLevels, 4);
    const seconds = await decodeToFile(codec, join(dir, 'tone.v2c'), join(dir, 'out.wav'), 2);
    assert.equal(seconds, 0.5);
    assert.equal(decodeTokens(codec, join(dir, 'tone.v2c'), 1).length, 8000);
    const other = createCodec({ ...codec.config, id: 'another' });
    assert.throws(
      () => decodeTokens(other, join(dir, 'tone.v2c')),
      /made by codec 'v2meow-soundstream-debug'/,
    );
    writeFileSync(join(dir, 'bad.v2c'), readFileSync(join(dir, 'tone.v2c')).subarray(0, 40));
    await assert.rejects(
      decodeToFile(codec, join(dir, 'bad.v2c'), join(dir, 'bad.wav')),
      (e: unknown) => e instanceof V2meowError && e.code === 'BAD_FORMAT',
    );
    codec.dispose();
    other.dispose();
  });
});

function quantizationError(rvq: ResidualVectorQuantizer, latents: ReturnType<typeof randn>): number {
  return tidy(() => rvq.decode(rvq.encode(latents)).sub(latents).square().mean().item());
}

describe('residual vector quantizer', () => {
  test('EMA updates pull codes toward the data; dead codes restart from the batch', () => {
    manualSeed(1);
    const rvq = new ResidualVectorQuantizer({
      numCodebooks: 2,
      codebookSize: 8,
      dim: 4,
      emaDecay: 0.5,
      deadCodeFraction: 0.5,
    });
    noGrad(() =>
      tidy(() => {
        // Data far from the N(0, 1) initial codebooks: one cluster at +5.
        const latents = randn([2, 4, 50]).mul(0.1).add(5);
        const before = quantizationError(rvq, latents);
        for (let k = 0; k < 5; k++) rvq.forward(latents, 2, true);
        const after = quantizationError(rvq, latents);
        assert.ok(after < before / 10, `error ${before} -> ${after}`);
        assert.ok(rvq.restarts[0]! > 0, 'codes that got no hits were restarted');
      }),
    );
    rvq.dispose();
  });

  test('k-means residual error falls level by level', () => {
    manualSeed(2);
    const errors: number[] = [];
    tidy(() => fitResidualKMeans(randn([500, 8]), 3, 16, 5, (_, e) => errors.push(e)));
    assert.equal(errors.length, 3);
    assert.ok(errors[0]! < 1 && errors[1]! < errors[0]! && errors[2]! < errors[1]!, `${errors}`);
  });
});

describe('codec metrics', () => {
  test('identical signals: mel-L1 0, LSD 0, high SI-SDR, cosine 1; noise lowers them', () => {
    const x = tone(440, 1);
    const noisy = Float32Array.from(x, (v, i) => v + 0.05 * Math.sin(i * 1.7));
    assert.ok(melL1Distance(x, x) < 1e-6);
    assert.ok(logSpectralDistance(x, x) < 1e-3);
    assert.ok(siSdr(x, x) > 100);
    assert.ok(
      Math.abs(
        siSdr(
          x,
          Float32Array.from(x, (v) => 3 * v),
        ) - siSdr(x, x),
      ) < 1e-3 ||
        siSdr(
          x,
          Float32Array.from(x, (v) => 3 * v),
        ) > 60,
    );
    assert.ok(melL1Distance(x, noisy) > 0.01);
    assert.ok(siSdr(x, noisy) < 30 && siSdr(x, noisy) > 10);
    assert.ok(
      Math.abs(meanEmbeddingCosine(Float32Array.of(1, 0, 0, 1), Float32Array.of(2, 0, 0, 5), 2) - 1) < 1e-9,
    );
  });
});

describe('the committed music codec (weights/codec)', slow, () => {
  const path = defaultCodecPath();
  test('encode -> decode of a 440 Hz tone keeps its pitch at 4 and 12 levels', {
    skip: !existsSync(path) && 'weights/codec/codec.safetensors not present',
  }, () => {
    const { codec } = loadCodec(path);
    assert.equal(codec.numCodebooks, 12);
    assert.equal(codec.codebookSize, 1024);
    assert.equal(codec.frameRateHz, 50);
    const wave = tone(440, 2);
    for (const levels of [4, 12]) {
      const out = tidy(() =>
        codec
          .decode(codec.encode(tensor(wave, [1, wave.length]), levels))
          .flatten()
          .toFloat32Array(),
      );
      const hz = peakHz(out.subarray(out.length - 16000), 16000);
      assert.ok(Math.abs(hz - 440) <= 5, `${levels} levels: peak at ${hz} Hz`);
    }
    codec.dispose();
  });

  test('quiet codes: digital silence encodes to the quietest first-level code; the CLI lists the same codes', {
    skip: !existsSync(path) && 'weights/codec/codec.safetensors not present',
  }, () => {
    const { codec } = loadCodec(path);
    const loudness = firstLevelLoudness(codec);
    assert.equal(loudness.length, 1024);
    for (let i = 1; i < loudness.length; i++) assert.ok(loudness[i]!.db >= loudness[i - 1]!.db);
    const silence = tidy(() => codec.encode(tensor(new Float32Array(16000), [1, 16000]), 1).toArray());
    const mostCommon = [...new Set(silence)].sort(
      (a, b) => silence.filter((x) => x === b).length - silence.filter((x) => x === a).length,
    )[0];
    assert.equal(loudness[0]!.code, mostCommon);
    assert.ok(loudness[0]!.db < -60, `the silence code decodes at ${loudness[0]!.db} dBFS`);
    assert.ok(loudness.at(-1)!.db > -30);
    const quiet = quietCodes(codec, -45);
    assert.ok(quiet.length >= 1 && quiet.length < 50);
    assert.ok(quiet.includes(mostCommon!));
    const cli = spawnSync(
      process.execPath,
      [join(repoRoot, 'bin', 'v2meow.js'), 'codec', 'quiet-codes', '--below=-45', '--json'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(
      [...JSON.parse(cli.stdout)].sort((a, b) => a - b),
      quiet,
    );
    codec.dispose();
  });
});

/** Frequency (1 Hz grid, 50 Hz..4 kHz) of the largest DFT bin of a 1 s frame at `rate`. */
function peakHz(x: Float32Array, rate: number): number {
  let best = 0;
  let bestPower = -1;
  for (let hz = 50; hz < 4000; hz++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < x.length; i++) {
      re += x[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
      im -= x[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
    }
    if (re * re + im * im > bestPower) {
      bestPower = re * re + im * im;
      best = hz;
    }
  }
  return best;
}
