// Downbeats by metrical phase: given beats, pick the meter (3 or 4) and phase whose beats carry the most
// low-frequency accent (bass/kick onsets) relative to the other beats. A simple heuristic in the spirit of
// Goto 2001's bass-drum cues; good on percussive pop/electronic music, unreliable on rubato classical.
import type { Envelope } from './onset.js';

export interface DownbeatEstimate {
  readonly meter: number;
  /** Times of the beats chosen as bar starts, in seconds. */
  readonly downbeatsSec: number[];
  /** Mean accent at downbeats over mean accent at all beats (1 = no preference). */
  readonly contrast: number;
}

/** Chooses meter and phase from an accent envelope sampled at the beats (nearest frame). */
export function estimateDownbeats(
  beatsSec: readonly number[],
  accent: Envelope,
  meters: readonly number[] = [4, 3],
): DownbeatEstimate {
  if (beatsSec.length < 2 * Math.max(...meters)) return { meter: meters[0]!, downbeatsSec: [], contrast: 1 };
  const atBeats = beatsSec.map((time) => {
    const centre = Math.round(time * accent.frameRateHz);
    let peak = 0;
    for (let i = centre - 2; i <= centre + 2; i++)
      if (i >= 0 && i < accent.values.length) peak = Math.max(peak, accent.values[i]!);
    return peak;
  });
  const overall = atBeats.reduce((a, b) => a + b, 0) / atBeats.length || 1;
  let best: DownbeatEstimate = { meter: meters[0]!, downbeatsSec: [], contrast: 0 };
  for (const meter of meters) {
    for (let phase = 0; phase < meter; phase++) {
      let sum = 0;
      let count = 0;
      for (let i = phase; i < atBeats.length; i += meter) {
        sum += atBeats[i]!;
        count++;
      }
      // Prefer 4 slightly on ties: a 3-phase split of a 4/4 piece is noisier.
      const contrast = sum / count / overall - (meter === 4 ? 0 : 0.05);
      if (contrast > best.contrast) {
        best = {
          meter,
          downbeatsSec: beatsSec.filter((_, i) => i % meter === phase),
          contrast: sum / count / overall,
        };
      }
    }
  }
  return best;
}
