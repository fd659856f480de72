// Music rhythm of a signal or file: onset envelope -> tempo -> Ellis DP beats -> tempo refined from the beats,
// plus downbeats from low-band accents. Analysis runs at 22.05 kHz with a 256-sample hop (~86 frames/s).

import { logMelSpectrogram } from '../dsp/mel.js';
import { resample } from '../dsp/resample.js';
import { decodeAudio } from '../media/audio.js';
import { tempoFromBeats, trackBeats } from './beatTracker.js';
import { estimateDownbeats } from './downbeats.js';
import { resolveMetricalLevel } from './metricalLevel.js';
import { type Envelope, onsetStrength, rhythmHopSamples, rhythmSampleRateHz } from './onset.js';
import { estimateTempo, type TempoOptions } from './tempo.js';

export interface MusicRhythm {
  /** Global tempo in beats per minute. */
  readonly tempoBpm: number;
  /** Tempo from the autocorrelation alone, before refinement from beat times. */
  readonly autocorrelationTempoBpm: number;
  /** Other plausible tempi (often the half or double), best first. */
  readonly alternativeTemposBpm: readonly number[];
  /** 0..1: autocorrelation of the onset envelope at the beat period. */
  readonly confidence: number;
  readonly beatsSec: number[];
  readonly downbeatsSec: number[];
  readonly meter: number;
  readonly onsetEnvelope: Envelope;
}

/** Low-band (below ~200 Hz) spectral flux, the accent used for downbeats. */
function lowBandAccent(signal: Float32Array): Envelope {
  const numMels = 64;
  const mel = logMelSpectrogram(signal, {
    sampleRateHz: rhythmSampleRateHz,
    fftSize: 2048,
    hopSamples: rhythmHopSamples,
    numMels,
    maxHz: 11025,
  });
  const lowBands = 8; // 64 Slaney bands up to 11 kHz: the first 8 lie below ~200 Hz
  const values = new Float32Array(mel.numFrames);
  for (let t = 1; t < mel.numFrames; t++) {
    let sum = 0;
    for (let m = 0; m < lowBands; m++)
      sum += Math.max(0, mel.data[t * numMels + m]! - mel.data[(t - 1) * numMels + m]!);
    values[t] = sum / lowBands;
  }
  return { values, frameRateHz: rhythmSampleRateHz / rhythmHopSamples };
}

/** Tempo, beats and downbeats of mono samples at any rate (resampled to 22.05 kHz). */
export function analyzeMusicRhythm(
  samples: Float32Array,
  sampleRateHz: number,
  options: TempoOptions = {},
): MusicRhythm {
  const signal =
    sampleRateHz === rhythmSampleRateHz ? samples : resample(samples, sampleRateHz, rhythmSampleRateHz);
  const onsetEnvelope = onsetStrength(signal, { sampleRateHz: rhythmSampleRateHz });
  const estimate = estimateTempo(onsetEnvelope, options);
  const maxPeriodFrames = (60 * onsetEnvelope.frameRateHz) / (options.minBpm ?? 40);
  const periodFrames = resolveMetricalLevel(onsetEnvelope, estimate.periodFrames, maxPeriodFrames);
  const tempo = { ...estimate, periodFrames, bpm: (60 * onsetEnvelope.frameRateHz) / periodFrames };
  const beatsSec = trackBeats(onsetEnvelope, tempo.periodFrames);
  const fromBeats = tempoFromBeats(beatsSec);
  // Trust the beat-fitted tempo only when it agrees with the autocorrelation (same metrical level).
  const tempoBpm = fromBeats && Math.abs(fromBeats / tempo.bpm - 1) < 0.04 ? fromBeats : tempo.bpm;
  const downbeats = estimateDownbeats(beatsSec, lowBandAccent(signal));
  return {
    tempoBpm,
    autocorrelationTempoBpm: tempo.bpm,
    alternativeTemposBpm: tempo.alternativesBpm,
    confidence: tempo.confidence,
    beatsSec,
    downbeatsSec: downbeats.downbeatsSec,
    meter: downbeats.meter,
    onsetEnvelope,
  };
}

/** Decodes any ffmpeg-readable file (audio, or a video's soundtrack) and analyses its music rhythm. */
export async function analyzeMusicFile(path: string, options: TempoOptions = {}): Promise<MusicRhythm> {
  const samples = await decodeAudio(path, { sampleRateHz: rhythmSampleRateHz });
  return analyzeMusicRhythm(samples, rhythmSampleRateHz, options);
}
