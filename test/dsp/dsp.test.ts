// DSP golden numbers on synthetic tones: FFT vs a direct DFT, STFT/iSTFT round trip, mel scales and
// filterbanks, log-mel peak band, resampling, RMS and BS.1770 loudness, chroma.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chroma,
  Fft,
  hzToMel,
  integratedLoudness,
  istft,
  logMelSpectrogram,
  magnitudeSpectrogram,
  melFilterBank,
  melToHz,
  numStftFrames,
  resample,
  rms,
  rmsFrames,
  stft,
} from '../../src/dsp/index.js';
import { V2meowError } from '../../src/errors.js';

const tone = (hz: number, sampleRateHz: number, numSamples: number, amplitude = 0.5) =>
  Float32Array.from(
    { length: numSamples },
    (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRateHz),
  );

test('FFT matches a direct DFT and inverts', () => {
  const n = 64;
  const input = Array.from(
    { length: n },
    (_, i) => Math.sin(i * 0.3) + 0.2 * Math.cos(i * 1.7) + (i % 5) * 0.1,
  );
  const real = Float64Array.from(input);
  const imag = new Float64Array(n);
  new Fft(n).transform(real, imag);
  for (let k = 0; k < n; k++) {
    let dftReal = 0;
    let dftImag = 0;
    for (let t = 0; t < n; t++) {
      dftReal += input[t]! * Math.cos((-2 * Math.PI * k * t) / n);
      dftImag += input[t]! * Math.sin((-2 * Math.PI * k * t) / n);
    }
    assert.ok(Math.abs(real[k]! - dftReal) < 1e-9 && Math.abs(imag[k]! - dftImag) < 1e-9, `bin ${k}`);
  }
  new Fft(n).transform(real, imag, true);
  real.forEach((v, i) => {
    assert.ok(Math.abs(v / n - input[i]!) < 1e-12);
  });
  assert.throws(() => new Fft(100), V2meowError);
});

test('STFT shape, tone bin, and iSTFT reconstruction', () => {
  const signal = tone(1000, 16000, 16000);
  const spectrum = stft(signal, { fftSize: 512, hopSamples: 128 });
  assert.equal(spectrum.numFrames, 1 + Math.floor(16000 / 128));
  assert.equal(spectrum.numFrames, numStftFrames(16000, { fftSize: 512, hopSamples: 128 }));
  assert.equal(spectrum.numBins, 257);
  const power = magnitudeSpectrogram(spectrum);
  const middle = Array.from(power.subarray(60 * 257, 61 * 257));
  assert.equal(middle.indexOf(Math.max(...middle)), 32); // 1000 Hz * 512 / 16000
  const back = istft(spectrum, signal.length);
  let maxError = 0;
  for (let i = 0; i < signal.length; i++) maxError = Math.max(maxError, Math.abs(back[i]! - signal[i]!));
  assert.ok(maxError < 1e-4, `max error ${maxError}`);
});

test('mel scales: Slaney and HTK golden values and inverses', () => {
  assert.ok(Math.abs(hzToMel(1000, 'slaney') - 15) < 1e-12);
  assert.ok(Math.abs(hzToMel(200, 'slaney') - 3) < 1e-12);
  assert.ok(Math.abs(hzToMel(6400, 'slaney') - 42) < 1e-9); // 15 + 27 steps of 6.4^(1/27)
  assert.ok(Math.abs(hzToMel(1000, 'htk') - 999.9855) < 1e-3);
  for (const scale of ['slaney', 'htk'] as const)
    for (const hz of [0, 100, 700, 1000, 4000, 11025])
      assert.ok(Math.abs(melToHz(hzToMel(hz, scale), scale) - hz) < 1e-6);
});

test('mel filterbank: shape, triangles, Slaney area normalisation', () => {
  const numMels = 40;
  const bank = melFilterBank({ sampleRateHz: 16000, fftSize: 512, numMels, scale: 'htk', norm: 'none' });
  assert.equal(bank.length, numMels * 257);
  for (let m = 0; m < numMels; m++) {
    const row = bank.subarray(m * 257, (m + 1) * 257);
    const peak = Math.max(...row);
    assert.ok(peak > 0.3 && peak <= 1, `filter ${m} peak ${peak}`);
  }
  const slaney = melFilterBank({ sampleRateHz: 22050, fftSize: 2048, numMels: 128 });
  // Slaney norm: each triangle has area ~1 in Hz (2/(upper - lower) x half base x height 1).
  const binHz = 22050 / 2048;
  for (const m of [20, 64, 120]) {
    const area = slaney.subarray(m * 1025, (m + 1) * 1025).reduce((a, b) => a + b, 0) * binHz;
    assert.ok(Math.abs(area - 1) < 0.05, `filter ${m} area ${area}`);
  }
});

test('log-mel of a 1 kHz tone peaks in the mel band centred near 1 kHz', () => {
  const mel = logMelSpectrogram(tone(1000, 16000, 16000), {
    sampleRateHz: 16000,
    fftSize: 512,
    hopSamples: 160,
    numMels: 64,
  });
  assert.equal(mel.numFrames, 101);
  const row = Array.from(mel.data.subarray(50 * 64, 51 * 64));
  const band = row.indexOf(Math.max(...row));
  const centres = Array.from({ length: 66 }, (_, i) => melToHz((hzToMel(8000) * i) / 65));
  assert.ok(Math.abs(centres[band + 1]! - 1000) < 80, `band ${band} centre ${centres[band + 1]}`);
  assert.ok(Math.max(...row) - Math.min(...row) <= 80 + 1e-3);
});

test('resampling keeps a tone and its level, with the expected length', () => {
  const input = tone(440, 44100, 44100);
  const output = resample(input, 44100, 16000);
  assert.equal(output.length, 16000);
  assert.ok(Math.abs(rms(output.subarray(1000, 15000)) - 0.5 / Math.SQRT2) < 0.005);
  const reference = tone(440, 16000, 16000);
  let maxError = 0;
  for (let i = 1000; i < 15000; i++) maxError = Math.max(maxError, Math.abs(output[i]! - reference[i]!));
  assert.ok(maxError < 0.01, `max error ${maxError}`);
  // A tone above the new Nyquist frequency is removed.
  assert.ok(rms(resample(tone(10000, 44100, 44100), 44100, 16000).subarray(1000, 15000)) < 0.01);
});

test('RMS, frame RMS and BS.1770 loudness of a full-scale 997 Hz sine (-3.01 LUFS mono)', () => {
  const sine = tone(997, 48000, 48000 * 5, 1);
  assert.ok(Math.abs(rms(sine) - Math.SQRT1_2) < 1e-4);
  const frames = rmsFrames(sine, { frameSamples: 4800, hopSamples: 2400 });
  assert.equal(frames.length, 1 + Math.floor((240000 - 4800) / 2400));
  assert.ok(frames.every((v) => Math.abs(v - Math.SQRT1_2) < 1e-3));
  assert.ok(Math.abs(integratedLoudness(sine, 48000) + 3.01) < 0.1, `${integratedLoudness(sine, 48000)}`);
  assert.ok(Math.abs(integratedLoudness(tone(997, 44100, 44100 * 5, 0.1), 44100) + 23.01) < 0.1);
  assert.equal(integratedLoudness(new Float32Array(48000), 48000), -Infinity);
});

test('chroma of A4 and of a C major triad', () => {
  const a4 = chroma(tone(440, 22050, 22050), { sampleRateHz: 22050, fftSize: 4096, hopSamples: 2048 });
  const row = Array.from(a4.data.subarray(5 * 12, 6 * 12));
  assert.equal(row.indexOf(1), 9);
  const triad = tone(261.63, 22050, 22050, 0.3).map(
    (v, i) =>
      v +
      0.3 * Math.sin((2 * Math.PI * 329.63 * i) / 22050) +
      0.3 * Math.sin((2 * Math.PI * 392 * i) / 22050),
  );
  const c = chroma(triad, { sampleRateHz: 22050, fftSize: 4096, hopSamples: 2048 });
  const profile = Array.from(c.data.subarray(5 * 12, 6 * 12));
  const top3 = profile
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, 3)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
  assert.deepEqual(top3, [0, 4, 7]);
});
