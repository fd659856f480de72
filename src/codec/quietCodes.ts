// The codec's near-silent first-level codes: each code of level 0, repeated and decoded alone, and its level
// (dBFS RMS, the steady middle half of the decode). A language model over codec tokens that draws one of them
// tends to stay there (silence continues silence in training music), so a bundle may list them as never sampled
// (bundle.json generation.sampling.stage2.suppressPerLevel; docs/default-model.md measures the effect).
import { rmsDb } from '../data/pcm16.js';
import { noGrad, tensor, tidy } from '../torch/index.js';
import type { AudioCodec } from './audioCodec.js';

export interface CodeLevel {
  readonly code: number;
  /** RMS of the code's decode in dBFS (-Infinity for digital silence). */
  readonly db: number;
}

/** Every level-0 code with the RMS level of its decode, quietest first. */
export function firstLevelLoudness(
  codec: AudioCodec,
  o: { frames?: number; batch?: number } = {},
): CodeLevel[] {
  const frames = o.frames ?? 25;
  const batch = o.batch ?? 128;
  const size = codec.codebookSize;
  const out: CodeLevel[] = [];
  for (let start = 0; start < size; start += batch) {
    const n = Math.min(batch, size - start);
    const ids = new Int32Array(n * frames);
    for (let r = 0; r < n; r++) ids.fill(start + r, r * frames, (r + 1) * frames);
    const wave = noGrad(() =>
      tidy(() => codec.decode(tensor(ids, [n, 1, frames], { dtype: 'int64' })).toFloat32Array()),
    );
    const length = wave.length / n;
    const from = Math.floor(length / 4);
    const to = length - from;
    for (let r = 0; r < n; r++) out.push({ code: start + r, db: rmsDb(wave, r * length + from, to - from) });
  }
  return out.sort((a, b) => a.db - b.db);
}

/** Level-0 codes whose decode is quieter than `belowDb` dBFS, ascending by code. */
export function quietCodes(codec: AudioCodec, belowDb: number): number[] {
  return firstLevelLoudness(codec)
    .filter((c) => c.db < belowDb)
    .map((c) => c.code)
    .sort((a, b) => a - b);
}
