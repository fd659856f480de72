// Standard MIDI File (SMF format 1) writer for the generated General MIDI pieces of the corpus: notes,
// program changes and a tempo, one track per channel. Reference: MIDI 1.0 "Standard MIDI Files 1.0"
// (header chunk MThd, track chunks MTrk, delta times as variable-length quantities).

/** Ticks per quarter note of the files written here. */
export const ticksPerQuarter = 480;

/** One note: channel 0-15 (9 = General MIDI drums), pitch and velocity 0-127, times in ticks. */
export interface MidiNote {
  readonly channel: number;
  readonly pitch: number;
  readonly velocity: number;
  readonly startTick: number;
  readonly durationTicks: number;
}

export interface MidiPiece {
  /** Tempo, beats (quarter notes) per minute. */
  readonly tempoBpm: number;
  /** Beats per bar (time signature numerator over 4). */
  readonly beatsPerBar: number;
  /** General MIDI program (0-127) per melodic channel. */
  readonly programs: ReadonlyMap<number, number>;
  readonly notes: readonly MidiNote[];
}

/** Variable-length quantity: 7 bits per byte, most significant first, high bit set on all but the last. */
export function variableLength(value: number): number[] {
  const bytes = [value & 0x7f];
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) bytes.unshift((rest & 0x7f) | 0x80);
  return bytes;
}

function chunk(type: string, body: number[]): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, Buffer.from(body)]);
}

/** Track bytes from (tick, message bytes) events; ties keep note-offs before note-ons at the same tick. */
function trackBody(events: { tick: number; order: number; bytes: number[] }[]): number[] {
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const body: number[] = [];
  let last = 0;
  for (const event of events) {
    body.push(...variableLength(event.tick - last), ...event.bytes);
    last = event.tick;
  }
  body.push(0, 0xff, 0x2f, 0); // end of track
  return body;
}

/** Encodes a piece as an SMF format 1 file: a tempo track, then one track per channel used. */
export function encodeMidiFile(piece: MidiPiece): Buffer {
  const microsecondsPerQuarter = Math.round(60_000_000 / piece.tempoBpm);
  const tempoTrack = trackBody([
    {
      tick: 0,
      order: 0,
      bytes: [
        0xff,
        0x51,
        3,
        (microsecondsPerQuarter >> 16) & 0xff,
        (microsecondsPerQuarter >> 8) & 0xff,
        microsecondsPerQuarter & 0xff,
      ],
    },
    { tick: 0, order: 0, bytes: [0xff, 0x58, 4, piece.beatsPerBar, 2, 24, 8] },
  ]);
  const channels = [...new Set(piece.notes.map((note) => note.channel))].sort((a, b) => a - b);
  const tracks = channels.map((channel) => {
    const events: { tick: number; order: number; bytes: number[] }[] = [];
    const program = piece.programs.get(channel);
    if (program !== undefined) events.push({ tick: 0, order: 0, bytes: [0xc0 | channel, program & 0x7f] });
    for (const note of piece.notes.filter((candidate) => candidate.channel === channel)) {
      events.push({
        tick: note.startTick,
        order: 2,
        bytes: [0x90 | channel, note.pitch & 0x7f, note.velocity & 0x7f],
      });
      events.push({
        tick: note.startTick + note.durationTicks,
        order: 1,
        bytes: [0x80 | channel, note.pitch & 0x7f, 0],
      });
    }
    return trackBody(events);
  });
  const header = Buffer.alloc(6);
  header.writeUInt16BE(1, 0);
  header.writeUInt16BE(tracks.length + 1, 2);
  header.writeUInt16BE(ticksPerQuarter, 4);
  return Buffer.concat([
    chunk('MThd', [...header]),
    chunk('MTrk', tempoTrack),
    ...tracks.map((body) => chunk('MTrk', body)),
  ]);
}
