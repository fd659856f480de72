// Synthetic rhythm material for tests: click tracks and drum patterns with known beat times.

import { createRandom as seededRandom } from '../../src/util/random.js';

/** Beat times at `bpm` from `firstSec` while < durationSec. */
export function beatGrid(bpm: number, durationSec: number, firstSec = 0.5): number[] {
  const beats: number[] = [];
  for (let t = firstSec; t < durationSec - 0.05; t += 60 / bpm) beats.push(t);
  return beats;
}

function addSound(
  out: Float32Array,
  sampleRateHz: number,
  atSec: number,
  render: (tSec: number) => number,
  lengthSec: number,
): void {
  const start = Math.round(atSec * sampleRateHz);
  const length = Math.round(lengthSec * sampleRateHz);
  for (let i = 0; i < length && start + i < out.length; i++) out[start + i]! += render(i / sampleRateHz);
}

/** A click (1 kHz, 20 ms, exponential decay) on every beat. */
export function clickTrack(
  bpm: number,
  durationSec: number,
  sampleRateHz: number,
): { samples: Float32Array; beatsSec: number[] } {
  const samples = new Float32Array(Math.round(durationSec * sampleRateHz));
  const beatsSec = beatGrid(bpm, durationSec);
  for (const beat of beatsSec)
    addSound(
      samples,
      sampleRateHz,
      beat,
      (t) => 0.5 * Math.sin(2 * Math.PI * 1000 * t) * Math.exp(-t / 0.005),
      0.02,
    );
  return { samples, beatsSec };
}

/**
 * A rock drum pattern: kick on beats 1 and 3, snare on 2 and 4, closed hi-hat on every beat and a ghost note (-11 dB)
 * on the off-beats, over a little noise floor.
 */
export function drumPattern(
  bpm: number,
  durationSec: number,
  sampleRateHz: number,
  seed = 1,
): { samples: Float32Array; beatsSec: number[] } {
  const random = seededRandom(seed);
  const samples = new Float32Array(Math.round(durationSec * sampleRateHz));
  for (let i = 0; i < samples.length; i++) samples[i] = 0.002 * (random() - 0.5);
  const beatsSec = beatGrid(bpm, durationSec);
  const kick = (t: number) =>
    0.8 * Math.sin(2 * Math.PI * (50 + 100 * Math.exp(-t / 0.03)) * t) * Math.exp(-t / 0.12);
  const snare = (t: number) =>
    (0.5 * (random() - 0.5) + 0.2 * Math.sin(2 * Math.PI * 190 * t)) * Math.exp(-t / 0.06);
  const hat = (gain: number) => (t: number) => gain * (random() - 0.5) * Math.exp(-t / 0.015);
  beatsSec.forEach((beat, i) => {
    addSound(samples, sampleRateHz, beat, i % 2 === 0 ? kick : snare, 0.4);
    addSound(samples, sampleRateHz, beat, hat(0.15), 0.08);
    addSound(samples, sampleRateHz, beat + 30 / bpm, hat(0.04), 0.08);
  });
  return { samples, beatsSec };
}
