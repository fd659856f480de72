// Octave check after tempo estimation: if every other beat at the estimated tempo is much weaker than its
// neighbours (a quiet off-beat hi-hat between kick/snare hits), the estimate is a subdivision and the beat is
// at half the tempo. The beat level is the fastest level whose pulses are all accented.
import { trackBeats } from './beatTracker.js';
import type { Envelope } from './onset.js';

/** Accent of each beat: envelope peak within +-2 frames minus the envelope's median (floor). */
function accentsAt(envelope: Envelope, beatsSec: readonly number[]): number[] {
  const sorted = Float32Array.from(envelope.values).sort();
  const floor = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return beatsSec.map((time) => {
    const centre = Math.round(time * envelope.frameRateHz);
    let peak = 0;
    for (let i = centre - 2; i <= centre + 2; i++)
      if (i >= 0 && i < envelope.values.length) peak = Math.max(peak, envelope.values[i]!);
    return Math.max(0, peak - floor);
  });
}

/**
 * Ratio (<= 1) of the weaker to the stronger mean accent of alternate beats when tracking at `periodFrames`.
 * Near 1: all beats accented alike; near 0: every other beat is a weak subdivision.
 */
export function alternateBeatBalance(envelope: Envelope, periodFrames: number): number {
  const beats = trackBeats(envelope, periodFrames, { trimEdges: true });
  if (beats.length < 8) return 1;
  const accents = accentsAt(envelope, beats);
  const mean = (parity: number) => {
    const picked = accents.filter((_, i) => i % 2 === parity);
    return picked.reduce((a, b) => a + b, 0) / picked.length;
  };
  const [even, odd] = [mean(0), mean(1)];
  const stronger = Math.max(even, odd);
  return stronger > 0 ? Math.min(even, odd) / stronger : 1;
}

/** Returns `periodFrames` doubled when alternate beats are unbalanced below `threshold` (default 0.5). */
export function resolveMetricalLevel(
  envelope: Envelope,
  periodFrames: number,
  maxPeriodFrames: number,
  threshold = 0.5,
): number {
  if (2 * periodFrames > maxPeriodFrames) return periodFrames;
  return alternateBeatBalance(envelope, periodFrames) < threshold ? 2 * periodFrames : periodFrames;
}
