// The evaluation clips of the default model (docs/evaluation-default.md): non-overlapping windows of the three
// held-out Blender films (none of them is in the training set), cut deterministically from each film's start;
// each clip's own soundtrack is its reference, its visual beats come from the same video analysis
// `v2meow generate` conditions on and scores its beat F1 against (src/rhythm/videoAnalysis.ts), cached.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { defaultCodecPath } from '../codec/files.js';
import { V2meowError } from '../errors.js';
import { assertDecodableAudio, assertDecodableVideo, probe } from '../media/probe.js';
import { analyzeVideo } from '../rhythm/videoAnalysis.js';
import { contentHash, type EvalCache, keyOf } from './cache.js';

/** The held-out films (in ../shared/media/video): their soundtracks are the references. */
export const heldOutFilms = [
  'big_buck_bunny_60s.mp4',
  'sintel_trailer.mp4',
  'tears_of_steel_0_64s_strip.mp4',
] as const;

/** $V2MEOW_SHARED/media/video, or ../shared/media/video beside the package. */
export function defaultFilmsFolder(): string {
  const shared = process.env.V2MEOW_SHARED
    ? resolve(process.env.V2MEOW_SHARED)
    : resolve(dirname(dirname(dirname(defaultCodecPath()))), '..', 'shared');
  return join(shared, 'media', 'video');
}

/** One evaluation clip: a window of a film. */
export interface EvalClip {
  /** `<film stem>_<start>s`, e.g. `sintel_trailer_020s` (file names of its outputs). */
  readonly name: string;
  /** The film file. */
  readonly film: string;
  readonly startSec: number;
  readonly seconds: number;
}

export interface ClipOptions {
  /** Film file names inside the folder (default heldOutFilms). */
  readonly films?: readonly string[];
  /** Clip length in seconds (default 10). */
  readonly clipSeconds?: number;
  /** At most this many clips per film, spread evenly over its windows (default all; Infinity: all). */
  readonly clipsPerFilm?: number;
  /** At most this many clips in all (the first ones; default all). */
  readonly maxClips?: number;
}

/**
 * Every whole window of `clipSeconds` of each film (where both picture and sound last), from 0 s; with
 * `clipsPerFilm`, that many of them spread evenly (first and last included). FILE_NOT_FOUND names a missing
 * folder or film; a film shorter than one clip is a BAD_ARGUMENT naming it.
 */
export async function evaluationClips(folder: string, options: ClipOptions = {}): Promise<EvalClip[]> {
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new V2meowError('FILE_NOT_FOUND', 'films folder does not exist', folder);
  const seconds = options.clipSeconds ?? 10;
  const clips: EvalClip[] = [];
  for (const name of options.films ?? heldOutFilms) {
    const film = join(folder, name);
    if (!existsSync(film)) throw new V2meowError('FILE_NOT_FOUND', 'held-out film does not exist', film);
    const info = await probe(film);
    assertDecodableVideo(info);
    assertDecodableAudio(info);
    const durations = info.streams
      .filter((s) => s.type === 'video' || s.type === 'audio')
      .map((s) => s.durationSec ?? info.durationSec);
    const count = Math.floor(Math.min(...durations) / seconds + 1e-9);
    if (count < 1)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `is ${Math.min(...durations).toFixed(2)} s long, shorter than one ${seconds} s clip`,
        film,
      );
    const keep = Math.min(count, options.clipsPerFilm ?? count);
    const picks =
      keep === 1 ? [0] : Array.from({ length: keep }, (_, i) => Math.round((i * (count - 1)) / (keep - 1)));
    const stem = basename(name, extname(name));
    for (const k of picks) {
      const startSec = k * seconds;
      const tag = Number.isInteger(startSec) ? String(startSec).padStart(3, '0') : startSec.toFixed(2);
      clips.push({ name: `${stem}_${tag}s`, film, startSec, seconds });
    }
  }
  return clips.slice(0, options.maxClips ?? clips.length);
}

/** Visual beats of a clip (seconds from its start), as generate() finds them for that window; cached. */
export async function clipVisualBeats(clip: EvalClip, cache: EvalCache): Promise<number[]> {
  const key = keyOf({
    kind: 'videoWindow',
    content: await contentHash(clip.film),
    startSec: clip.startSec,
    seconds: clip.seconds,
    motionFps: 8,
  });
  const cached = cache.read<{ beatsSec: number[] }>('video', key);
  if (cached) return cached.meta.beatsSec;
  const { beatsSec } = await analyzeVideo(clip.film, { startSec: clip.startSec, seconds: clip.seconds });
  await cache.write('video', key, { meta: { beatsSec }, arrays: {} });
  return beatsSec;
}
