// What `v2meow generate` writes: per candidate the video with its picture stream copied and the new music
// (AAC, cut to the video's length) or the music alone (.wav); OUT-1.mp4, OUT-2.mp4, ... for several
// candidates; a mel-spectrogram per candidate with the video's visual beats and cuts above the music's beats
// (V2Meow Figs. 5-6); and the figures of --json (tempo, beat F1 against the visual beats, style cosine).
import { basename, extname } from 'node:path';
import { logMelSpectrogram } from '../dsp/mel.js';
import { clipStyleVector } from '../encoders/clipStyle.js';
import type { MusicnnStyleEncoder } from '../encoders/musicnn.js';
import { V2meowError } from '../errors.js';
import { cosineSimilarity } from '../eval/style.js';
import { muxAudioIntoVideo } from '../media/mux.js';
import { writeWav } from '../media/wav.js';
import { plotMelSpectrogram } from '../plot/melSpectrogramPlot.js';
import { beatF1 } from '../rhythm/beatMetrics.js';
import { analyzeMusicRhythm, type MusicRhythm } from '../rhythm/musicRhythm.js';
import type { GenerationResult } from './pipeline.js';

/** Extensions of the outputs: a video container, or the music alone. */
export const videoExtensions = ['.mp4', '.mov', '.mkv'] as const;
export const audioExtensions = ['.wav'] as const;

/** OUT.ext for one candidate; OUT-1.ext, OUT-2.ext, ... for several. */
export function candidatePaths(path: string, count: number): string[] {
  if (count === 1) return [path];
  const extension = extname(path);
  const stem = path.slice(0, path.length - extension.length);
  return Array.from({ length: count }, (_, k) => `${stem}-${k + 1}${extension}`);
}

/** Writes candidate k's music: into the video (picture copied, music from startSec) or as a WAV. */
export async function writeCandidate(
  result: GenerationResult,
  k: number,
  path: string,
  video: string | undefined,
): Promise<void> {
  const wave = result.candidates[k]!.waveform;
  if (videoExtensions.includes(extname(path).toLowerCase() as (typeof videoExtensions)[number])) {
    if (!video)
      throw new V2meowError('BAD_ARGUMENT', 'a video output needs an input video; write a .wav', path);
    // silence before the start, so the music plays under the window it was made for
    const lead = Math.round(result.startSec * result.sampleRateHz);
    const samples = new Float32Array(lead + wave.length);
    samples.set(wave, lead);
    await muxAudioIntoVideo(video, { samples, sampleRateHz: result.sampleRateHz }, path);
  } else {
    await writeWav(path, wave, result.sampleRateHz, { format: 'pcm16' });
  }
}

/** Tempo and beats of candidate k's music. */
export function candidateRhythm(result: GenerationResult, k: number): MusicRhythm {
  return analyzeMusicRhythm(result.candidates[k]!.waveform, result.sampleRateHz);
}

/** Mel-spectrogram of candidate k: the video's beats and cuts on top, the music's beats below (Figs. 5-6). */
export async function plotCandidate(
  result: GenerationResult,
  k: number,
  rhythm: MusicRhythm,
  path: string,
): Promise<void> {
  const mel = logMelSpectrogram(result.candidates[k]!.waveform, {
    sampleRateHz: result.sampleRateHz,
    fftSize: 1024,
    hopSamples: 256,
    numMels: 96,
  });
  const source = result.video ? basename(result.video.source) : 'text';
  await plotMelSpectrogram(mel, path, {
    title: `v2meow ${result.model}: ${source}, candidate ${k + 1}, ${rhythm.tempoBpm.toFixed(1)} bpm (top: visual beats, cuts in red)`,
    beatsSec: rhythm.beatsSec,
    downbeatsSec: rhythm.downbeatsSec,
    videoBeatsSec: result.video?.beatsSec,
    cutsSec: result.video?.cutsSec,
  });
}

/** The --json figures of one candidate. */
export interface CandidateReport {
  readonly output: string;
  readonly plot: string | null;
  readonly seconds: number;
  /** Tempo of the generated music (bpm). */
  readonly tempoBpm: number;
  /** Beat F1 of the music's beats against the video's visual beats (null without a video). */
  readonly beatF1: number | null;
  /** Cosine of the music's style vector (MusiCNN) to the text's (null without text or MusiCNN). */
  readonly styleCosine: number | null;
  /** Seconds spent per step (shared by the candidates of one batch). */
  readonly secondsPerStage: Readonly<Record<string, number>>;
}

export function candidateReport(
  result: GenerationResult,
  k: number,
  rhythm: MusicRhythm,
  paths: { output: string; plot: string | null },
  audioStyle: MusicnnStyleEncoder | null,
): CandidateReport {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const text = result.text;
  const styleCosine =
    text && audioStyle
      ? cosineSimilarity(clipStyleVector(audioStyle, result.candidates[k]!.waveform), text.vector)
      : null;
  return {
    output: paths.output,
    plot: paths.plot,
    seconds: round(result.seconds),
    tempoBpm: round(rhythm.tempoBpm),
    beatF1: result.video ? round(beatF1(rhythm.beatsSec, result.video.beatsSec)) : null,
    styleCosine: styleCosine === null ? null : round(styleCosine),
    secondsPerStage: Object.fromEntries(Object.entries(result.timingsSec).map(([s, v]) => [s, round(v)])),
  };
}
