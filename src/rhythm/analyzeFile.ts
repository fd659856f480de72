// Rhythm report for any file, as `v2meow rhythm` and the server produce it: music tempo/beats/downbeats from
// the audio stream; for videos also visual tempo, visual beats and cuts, and how well the soundtrack's beats
// align with the visual beats (BCS/BHS/F1, Yu et al. 2023).
import { probe } from '../media/probe.js';
import { withFile } from '../util/fileErrors.js';
import { type BeatAlignment, beatAlignmentScores, defaultBeatToleranceSec } from './beatMetrics.js';
import { analyzeMusicFile } from './musicRhythm.js';
import { analyzeVideo } from './videoAnalysis.js';

export interface RhythmReport {
  readonly file: string;
  readonly durationSec: number;
  /** Music tempo in bpm (null when the file has no audio). */
  readonly tempo: number | null;
  readonly beats: number[];
  readonly downbeats: number[];
  readonly meter: number | null;
  readonly visual: {
    readonly tempo: number;
    readonly beats: number[];
    readonly cuts: number[];
    readonly motionFps: number;
  } | null;
  /** Soundtrack beats (generated) vs visual beats (reference); null unless the video has audio and motion. */
  readonly alignment: BeatAlignment | null;
}

export interface RhythmReportOptions {
  /** Motion analysis rate for videos in Hz; default 8. */
  readonly motionFps?: number;
  /** Beat-alignment tolerance in seconds; default 0.07. */
  readonly toleranceSec?: number;
  readonly onProgress?: (message: string) => void;
}

const round = (values: readonly number[]) => values.map((v) => Math.round(v * 1000) / 1000);

/** Analyses music and (for videos) visual rhythm of `path`. Throws the media module's typed errors. */
export function analyzeRhythm(path: string, options: RhythmReportOptions = {}): Promise<RhythmReport> {
  return withFile(path, () => analyze(path, options));
}

async function analyze(path: string, options: RhythmReportOptions): Promise<RhythmReport> {
  const info = await probe(path);
  const music = info.hasAudio ? await analyzeMusicFile(path) : undefined;
  if (music) options.onProgress?.(`music: ${music.tempoBpm.toFixed(1)} bpm, ${music.beatsSec.length} beats`);
  const video = info.hasVideo
    ? await analyzeVideo(path, {
        motionFps: options.motionFps ?? 8,
        onProgress: (seconds) => options.onProgress?.(`video: ${seconds.toFixed(0)} s analysed`),
      })
    : undefined;
  const alignment =
    music && video && video.beatsSec.length > 0
      ? beatAlignmentScores(music.beatsSec, video.beatsSec, options.toleranceSec ?? defaultBeatToleranceSec)
      : null;
  return {
    file: path,
    durationSec: info.durationSec,
    tempo: music ? Math.round(music.tempoBpm * 100) / 100 : null,
    beats: round(music?.beatsSec ?? []),
    downbeats: round(music?.downbeatsSec ?? []),
    meter: music?.meter ?? null,
    visual: video
      ? {
          tempo: Math.round(video.tempoBpm * 100) / 100,
          beats: round(video.beatsSec),
          cuts: round(video.cutsSec),
          motionFps: video.motionFps,
        }
      : null,
    alignment,
  };
}
