// Random but musical General MIDI pieces for the codec corpus: a key, a common chord progression, a tempo
// (60-180 bpm), comping chords, a bass line, a stepwise melody favouring chord tones, and a drum pattern
// (rock, four-on-the-floor, swing, half-time, latin, or none), with fills and crashes at phrase ends.
// Rendered with fluidsynth they add percussive, rhythmic and harmonic material of many GM timbres.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, type RandomSource } from '../util/random.js';
import { encodeMidiFile, type MidiNote, type MidiPiece, ticksPerQuarter } from './midiFile.js';
import { writeFileAtomic } from './staging.js';

const majorScale = [0, 2, 4, 5, 7, 9, 11];
const minorScale = [0, 2, 3, 5, 7, 8, 10];
/** Progressions as scale degrees (0-based), one chord per bar. */
const progressions = [
  [0, 4, 5, 3],
  [1, 4, 0, 0],
  [0, 5, 3, 4],
  [5, 3, 0, 4],
  [0, 3, 4, 3],
  [0, 0, 3, 3, 0, 0, 4, 3],
  [0, 3, 0, 4],
  [0, 6, 5, 4],
];
const chordPrograms = [0, 1, 4, 5, 16, 19, 24, 25, 27, 48, 49, 50, 61, 88, 89, 90, 46, 6];
const bassPrograms = [32, 33, 34, 35, 36, 38, 39, 43, 58];
const leadPrograms = [0, 11, 12, 13, 40, 41, 56, 57, 60, 64, 65, 66, 68, 71, 73, 75, 80, 81, 22, 105, 108];
const drumStyles = ['rock', 'fourOnFloor', 'swing', 'halfTime', 'latin', 'none'] as const;

const pick = <T>(random: RandomSource, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** What a piece was made of (for logs and tests). */
export interface ComposedPiece extends MidiPiece {
  readonly keyRoot: number;
  readonly minor: boolean;
  readonly drumStyle: (typeof drumStyles)[number];
  readonly numBars: number;
}

/** Composes a piece of about `seconds` seconds; the same seed gives the same piece. */
export function composePiece(seed: number, seconds = 90): ComposedPiece {
  const random = createRandom(seed);
  const tempoBpm = 60 + Math.round(random() * 120);
  const beatsPerBar = random() < 0.8 ? 4 : 3;
  const keyRoot = Math.floor(random() * 12);
  const minor = random() < 0.4;
  const scale = minor ? minorScale : majorScale;
  const progression = pick(random, progressions);
  const drumStyle = pick(random, drumStyles);
  const numBars = Math.max(4, Math.round((seconds * tempoBpm) / 60 / beatsPerBar));
  const beat = ticksPerQuarter;
  const bar = beat * beatsPerBar;
  const programs = new Map([
    [0, pick(random, chordPrograms)],
    [1, pick(random, bassPrograms)],
    [2, pick(random, leadPrograms)],
  ]);
  const notes: MidiNote[] = [];
  const add = (
    channel: number,
    pitch: number,
    velocity: number,
    startTick: number,
    durationTicks: number,
  ): void => {
    notes.push({
      channel,
      pitch,
      velocity: Math.max(1, Math.min(127, Math.round(velocity))),
      startTick,
      durationTicks,
    });
  };

  // Pitch of scale degree `degree` (may exceed 7) above MIDI note `base` in this key.
  const degreePitch = (degree: number, base: number) =>
    base + keyRoot + scale[((degree % 7) + 7) % 7]! + 12 * Math.floor(degree / 7);
  const compStyle = pick(random, ['block', 'beats', 'arpeggio8', 'arpeggio16'] as const);
  const bassStyle = pick(random, ['roots', 'walking', 'octaves'] as const);
  const melodyStartBar = random() < 0.5 ? 0 : progression.length;
  let melodyDegree = 7 + pick(random, [0, 2, 4]);

  for (let barIndex = 0; barIndex < numBars; barIndex++) {
    const start = barIndex * bar;
    const root = progression[barIndex % progression.length]!;
    const chord = [root, root + 2, root + 4];
    const swell = 70 + 25 * Math.sin((Math.PI * barIndex) / numBars);
    // Chords, channel 0, around C4.
    if (compStyle === 'block')
      for (const degree of chord) add(0, degreePitch(degree, 48), swell, start, bar - 20);
    else if (compStyle === 'beats')
      for (let b = 0; b < beatsPerBar; b++)
        for (const degree of chord)
          add(0, degreePitch(degree, 48), swell - (b % 2) * 12, start + b * beat, beat - 40);
    else {
      const step = compStyle === 'arpeggio8' ? beat / 2 : beat / 4;
      for (let k = 0; k * step < bar; k++)
        add(
          0,
          degreePitch(chord[k % 3]! + 7 * Math.floor((k % 6) / 3), 48),
          swell - 10,
          start + k * step,
          step,
        );
    }
    // Bass, channel 1, around C2.
    const bassRoot = degreePitch(root, 36);
    if (bassStyle === 'roots') {
      add(1, bassRoot, 95, start, bar / 2 - 30);
      add(1, degreePitch(root + 4, 36), 85, start + bar / 2, bar / 2 - 30);
    } else if (bassStyle === 'walking')
      for (let b = 0; b < beatsPerBar; b++)
        add(1, degreePitch(root + [0, 2, 4, 5][b % 4]!, 36), 90, start + b * beat, beat - 30);
    else
      for (let k = 0; k < beatsPerBar * 2; k++)
        add(1, bassRoot + 12 * (k % 2), 88, start + (k * beat) / 2, beat / 2 - 20);
    // Melody, channel 2, around C5: steps of the scale, chord tones on strong beats, some rests.
    if (barIndex >= melodyStartBar && barIndex % 8 < 7) {
      for (let tick = 0; tick < bar; ) {
        const length = pick(
          random,
          [beat / 2, beat / 2, beat, beat, beat * 1.5, beat * 2].filter((l) => tick + l <= bar),
        );
        if (random() < 0.15) {
          tick += length;
          continue;
        }
        melodyDegree += pick(random, [-2, -1, -1, 0, 1, 1, 2, 3, -3]);
        if (tick % beat === 0)
          melodyDegree = chord.reduce(
            (best, d) => (Math.abs(d + 7 - melodyDegree) < Math.abs(best - melodyDegree) ? d + 7 : best),
            melodyDegree,
          );
        melodyDegree = Math.max(3, Math.min(14, melodyDegree));
        add(2, degreePitch(melodyDegree, 60), 80 + random() * 30, start + tick, length - 15);
        tick += length;
      }
    }
    addDrums(add, drumStyle, start, beat, beatsPerBar, barIndex, random);
  }
  return { tempoBpm, beatsPerBar, programs, notes, keyRoot, minor, drumStyle, numBars };
}

/** One bar of drums on channel 9 (General MIDI percussion keys). */
function addDrums(
  add: (channel: number, pitch: number, velocity: number, startTick: number, durationTicks: number) => void,
  style: (typeof drumStyles)[number],
  start: number,
  beat: number,
  beatsPerBar: number,
  barIndex: number,
  random: RandomSource,
): void {
  if (style === 'none') return;
  const [kick, snare, closedHat, openHat, ride, crash] = [36, 38, 42, 46, 51, 49];
  const hit = (pitch: number, at: number, velocity: number) =>
    add(9, pitch, velocity + random() * 12, start + at, beat / 4);
  if (barIndex % 8 === 0) hit(crash, 0, 100);
  if (barIndex % 8 === 7) {
    // Fill: sixteenths down the toms.
    for (let k = 0; k < beatsPerBar * 4; k++)
      hit([50, 48, 47, 45, 43, 41][Math.floor((k * 6) / (beatsPerBar * 4))]!, (k * beat) / 4, 70 + k * 2);
    return;
  }
  for (let b = 0; b < beatsPerBar; b++) {
    const at = b * beat;
    if (style === 'rock') {
      if (b % 2 === 0) hit(kick, at, 100);
      else hit(snare, at, 95);
      hit(closedHat, at, 70);
      hit(closedHat, at + beat / 2, 55);
    } else if (style === 'fourOnFloor') {
      hit(kick, at, 105);
      hit(openHat, at + beat / 2, 65);
      if (b % 2 === 1) hit(39, at, 85); // hand clap
    } else if (style === 'swing') {
      hit(ride, at, 75);
      if (b % 2 === 1) hit(ride, at + (beat * 2) / 3, 60);
      if (b % 2 === 1) hit(44, at, 60); // pedal hi-hat
      if (random() < 0.2) hit(snare, at + (beat * 2) / 3, 45);
    } else if (style === 'halfTime') {
      if (b === 0) hit(kick, at, 100);
      if (b === 2) hit(snare, at, 100);
      for (let k = 0; k < 4; k++) hit(closedHat, at + (k * beat) / 4, 50 + (k % 2 ? 0 : 15));
    } else {
      hit(75, at + (b % 2 ? beat / 2 : 0), 80); // claves
      hit(b % 2 ? 62 : 63, at, 80); // congas
      hit(64, at + beat / 2, 70);
      if (b === 0) hit(kick, at, 90);
    }
  }
}

/**
 * Writes `count` pieces of about `seconds` each as `piece-<seed>-<n>.mid` into `dir` (piece n uses seed
 * seed * 100003 + n) and returns the file paths.
 */
export function writeMidiPieces(dir: string, count: number, seconds: number, seed: number): string[] {
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: count }, (_, number) => {
    const path = join(dir, `piece-${seed}-${String(number).padStart(4, '0')}.mid`);
    writeFileAtomic(path, encodeMidiFile(composePiece(seed * 100003 + number, seconds)));
    return path;
  });
}
