// File-level plot used by `v2meow plot`: decode any audio or video file, compute its log-mel spectrogram
// (22.05 kHz, 2048-sample FFT, 512-sample hop, 128 Slaney bands) and, when asked, its beats, then draw.
import { basename } from 'node:path';
import { logMelSpectrogram } from '../dsp/mel.js';
import { decodeAudio } from '../media/audio.js';
import { analyzeMusicRhythm } from '../rhythm/musicRhythm.js';
import { withFile } from '../util/fileErrors.js';
import { checkOutputFile } from '../util/outputPath.js';
import { plotMelSpectrogram } from './melSpectrogramPlot.js';

export interface AudioPlotOptions {
  /** Draw beat and downbeat ticks; default false. */
  readonly beats?: boolean;
  /** Title; default the file name (with the tempo when beats are drawn). */
  readonly title?: string;
}

/** Writes a mel-spectrogram PNG of `inputPath` to `outputPath`; returns the tempo when beats were asked for. */
export async function plotAudioFile(
  inputPath: string,
  outputPath: string,
  options: AudioPlotOptions = {},
): Promise<{ tempoBpm?: number }> {
  const sampleRateHz = 22050;
  checkOutputFile(outputPath, { extensions: ['.png'], inputs: [inputPath] });
  const samples = await decodeAudio(inputPath, { sampleRateHz });
  const { mel, rhythm } = await withFile(inputPath, () => ({
    mel: logMelSpectrogram(samples, { sampleRateHz, fftSize: 2048, hopSamples: 512, numMels: 128 }),
    rhythm: options.beats ? analyzeMusicRhythm(samples, sampleRateHz) : undefined,
  }));
  const title =
    options.title ??
    (rhythm ? `${basename(inputPath)} (${rhythm.tempoBpm.toFixed(1)} bpm)` : basename(inputPath));
  await plotMelSpectrogram(mel, outputPath, {
    title,
    beatsSec: rhythm?.beatsSec,
    downbeatsSec: rhythm?.downbeatsSec,
  });
  return { tempoBpm: rhythm?.tempoBpm };
}
