// Generated MIDI pieces: SMF bytes by value, reproducible composition with drums and varied tempo, and a
// fluidsynth render of one piece when fluidsynth and a GM soundfont are installed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { composePiece, writeMidiPieces } from '../../src/data/midiComposer.js';
import { encodeMidiFile, variableLength } from '../../src/data/midiFile.js';
import { readWav } from '../../src/media/index.js';

test('variable-length quantities match the SMF specification examples', () => {
  assert.deepEqual(variableLength(0), [0x00]);
  assert.deepEqual(variableLength(0x40), [0x40]);
  assert.deepEqual(variableLength(0x7f), [0x7f]);
  assert.deepEqual(variableLength(0x80), [0x81, 0x00]);
  assert.deepEqual(variableLength(0x2000), [0xc0, 0x00]);
  assert.deepEqual(variableLength(0x3fff), [0xff, 0x7f]);
  assert.deepEqual(variableLength(0x0fffffff), [0xff, 0xff, 0xff, 0x7f]);
});

test('encodeMidiFile writes a format-1 header, a tempo track and one track per channel', () => {
  const bytes = encodeMidiFile({
    tempoBpm: 120,
    beatsPerBar: 4,
    programs: new Map([[0, 24]]),
    notes: [
      { channel: 0, pitch: 60, velocity: 100, startTick: 0, durationTicks: 480 },
      { channel: 9, pitch: 36, velocity: 90, startTick: 480, durationTicks: 120 },
    ],
  });
  assert.equal(bytes.toString('latin1', 0, 4), 'MThd');
  assert.equal(bytes.readUInt32BE(4), 6);
  assert.equal(bytes.readUInt16BE(8), 1); // format 1
  assert.equal(bytes.readUInt16BE(10), 3); // tempo + 2 channels
  assert.equal(bytes.readUInt16BE(12), 480);
  assert.equal(bytes.toString('latin1', 14, 18), 'MTrk');
  // Tempo meta event: 500000 us per quarter at 120 bpm.
  assert.ok(bytes.includes(Buffer.from([0xff, 0x51, 0x03, 0x07, 0xa1, 0x20])));
  assert.ok(bytes.includes(Buffer.from([0xc0, 24])));
  assert.ok(bytes.includes(Buffer.from([0x90, 60, 100])));
  assert.ok(bytes.includes(Buffer.from([0x99, 36, 90])));
});

test('composePiece is reproducible per seed and varies tempo and drums across seeds', () => {
  assert.deepEqual(composePiece(5, 30), composePiece(5, 30));
  const pieces = Array.from({ length: 30 }, (_, seed) => composePiece(seed, 30));
  const tempos = pieces.map((piece) => piece.tempoBpm);
  assert.ok(Math.min(...tempos) >= 60 && Math.max(...tempos) <= 180);
  assert.ok(new Set(tempos).size > 10);
  assert.ok(new Set(pieces.map((piece) => piece.drumStyle)).size >= 4);
  for (const piece of pieces) {
    const drums = piece.notes.filter((note) => note.channel === 9).length;
    assert.equal(drums > 0, piece.drumStyle !== 'none');
    assert.ok(piece.notes.every((note) => note.pitch >= 0 && note.pitch < 128 && note.durationTicks > 0));
    const seconds = (piece.numBars * piece.beatsPerBar * 60) / piece.tempoBpm;
    assert.ok(seconds > 25 && seconds < 36, `piece lasts ${seconds} s`);
  }
});

const soundfont = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
const haveFluidsynth = (() => {
  try {
    execFileSync('fluidsynth', ['--version'], { stdio: 'ignore' });
    return existsSync(soundfont);
  } catch {
    return false;
  }
})();

test('a generated piece renders with fluidsynth to audible audio of its length', {
  skip: haveFluidsynth ? false : 'fluidsynth or fluid-soundfont-gm not installed',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'v2meow-midi-'));
  try {
    const [midi] = writeMidiPieces(dir, 1, 10, 3);
    const wav = join(dir, 'piece.wav');
    execFileSync('fluidsynth', ['-ni', '-q', '-F', wav, '-r', '16000', soundfont, midi!], {
      stdio: 'ignore',
    });
    const decoded = readWav(wav);
    const piece = composePiece(3 * 100003, 10);
    const seconds = (piece.numBars * piece.beatsPerBar * 60) / piece.tempoBpm;
    const frames = decoded.samples.length / decoded.channels;
    assert.ok(
      Math.abs(frames / decoded.sampleRateHz - seconds) < 3,
      `${frames / decoded.sampleRateHz} vs ${seconds}`,
    );
    const peak = decoded.samples.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    assert.ok(peak > 0.05, `peak ${peak}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
