// Codec evaluation (issue 7): per clip and mean, our codec at 4 / 8 / 12 levels beside Opus (ffmpeg libopus)
// at the same bitrates and Lyra v2 at 3.2 / 6 / 9.2 kbps (16 / 30 / 46 quantizers), on mel-L1, log-spectral
// distance, SI-SDR and YAMNet-embedding cosine (definitions in src/codec/metrics.ts and
// ../shared/reference/lyra_on_music.md). Systems are keyed "v2meow:12", "opus:6kbps", "lyra:9.2kbps".
import { basename } from 'node:path';
import { openCodec } from '../codec/files.js';
import { logSpectralDistance, meanEmbeddingCosine, melL1Distance, siSdr } from '../codec/metrics.js';
import { opusRoundTrip } from '../codec/opus.js';
import { loadLyraCodec, type SoundStreamCodec } from '../codec/soundstream.js';
import { CorpusReader } from '../data/corpusReader.js';
import { Yamnet } from '../encoders/yamnet.js';
import { V2meowError } from '../errors.js';
import { decodeAudio } from '../media/audio.js';
import { noGrad, tensor, tidy } from '../torch/index.js';

export interface CodecScores {
  readonly melL1: number;
  /** dB */
  readonly lsd: number;
  /** dB */
  readonly siSdr: number;
  /** null when YAMNet was skipped. */
  readonly yamnetCos: number | null;
}

export interface CodecEvalReport {
  readonly settings: {
    readonly codec: string;
    readonly sampleRateHz: number;
    readonly startSec: number;
    readonly maxSeconds: number;
    /** System -> bitrate in kbps. */
    readonly bitratesKbps: Record<string, number>;
  };
  /** Clip file -> system -> scores. */
  readonly clips: Record<string, Record<string, CodecScores>>;
  /** System -> mean over clips. */
  readonly mean: Record<string, CodecScores>;
  /** Group ('files', 'corpus:test' or another split) -> system -> mean over that group's clips. */
  readonly groupMeans: Record<string, Record<string, CodecScores>>;
}

export interface CodecEvalOptions {
  /** Codec file (default: the committed weights/codec/codec.safetensors). */
  readonly codecPath?: string;
  /** Evaluate this many seconds of each clip (from startSec). */
  readonly maxSeconds: number;
  readonly startSec?: number;
  /** Our codec's level counts (default 4, 8, 12 capped at the codec's). */
  readonly levels?: readonly number[];
  readonly opus: boolean;
  readonly lyra: boolean;
  readonly yamnet: boolean;
  /** Also evaluate this many segments of a corpus split (spread evenly), as clips 'corpus:<split>:N'. */
  readonly corpusDir?: string;
  readonly corpusSegments?: number;
  /** The split those segments come from: 'test' (default), or 'validation' for model selection. */
  readonly corpusSplit?: 'test' | 'validation';
  readonly progress?: (message: string) => void;
}

/** Evenly spread segments of a corpus split, named 'corpus:<split>:<index>'. */
function corpusClips(
  dir: string,
  split: 'test' | 'validation',
  count: number,
): { name: string; wave: Float32Array }[] {
  const corpus = CorpusReader.open(dir);
  const all = corpus.segments(split);
  if (all.length === 0) {
    corpus.close();
    throw new V2meowError('EMPTY_CORPUS', `the corpus has no segments in its ${split} split`, dir);
  }
  const step = Math.max(1, Math.floor(all.length / count));
  const out: { name: string; wave: Float32Array }[] = [];
  for (let k = 0; k < count && k * step < all.length; k++) {
    const wave = new Float32Array(corpus.segmentSamples);
    corpus.readSegmentInto(all[k * step]!, wave);
    out.push({ name: `corpus:${split}:${k * step}`, wave });
  }
  corpus.close();
  return out;
}

function meanScores(rows: readonly CodecScores[]): CodecScores {
  const avg = (pick: (s: CodecScores) => number | null): number | null =>
    rows.some((r) => pick(r) === null) ? null : rows.reduce((a, r) => a + pick(r)!, 0) / rows.length;
  return {
    melL1: avg((s) => s.melL1)!,
    lsd: avg((s) => s.lsd)!,
    siSdr: avg((s) => s.siSdr)!,
    yamnetCos: avg((s) => s.yamnetCos),
  };
}

/** Lyra v2's bitrates and quantizer counts (num_quantizers = kbps * 1000 * 0.02 / 4). */
export const lyraRates: readonly (readonly [string, number])[] = [
  ['3.2kbps', 16],
  ['6kbps', 30],
  ['9.2kbps', 46],
];

function formatKbps(kbps: number): string {
  return `${Number(kbps.toFixed(2))}kbps`;
}

/** A codec's reconstruction of `wave` at `levels` levels, trimmed to the input length. */
export function reconstruct(codec: SoundStreamCodec, wave: Float32Array, levels: number): Float32Array {
  return noGrad(() =>
    tidy(() =>
      codec
        .decode(codec.encode(tensor(wave, [1, wave.length]), levels))
        .narrow(1, 0, wave.length)
        .contiguous()
        .toFloat32Array(),
    ),
  );
}

/**
 * Shortest clip evaluated: 0.1 s. The codec's reflect padding fails below about two frames (320 samples
 * failed, 640 passed with the committed codec); YAMNet and the metrics pad short input themselves.
 */
function minEvalSamples(codec: SoundStreamCodec): number {
  return Math.ceil(codec.sampleRateHz * 0.1);
}

export async function evaluateCodecs(
  files: readonly string[],
  o: CodecEvalOptions,
): Promise<CodecEvalReport> {
  const progress = o.progress ?? (() => {});
  if (files.length === 0 && !o.corpusDir)
    throw new V2meowError('BAD_ARGUMENT', 'nothing to evaluate: give audio files or a corpus');
  const ours = openCodec(o.codecPath);
  const lyra = o.lyra ? loadLyraCodec() : null;
  const yamnet = o.yamnet ? await Yamnet.fromPretrained() : null;
  const bitsPerFrame = Math.log2(ours.codebookSize);
  const levels = (o.levels ?? [4, 8, 12]).filter((l) => l <= ours.numCodebooks);
  const bitratesKbps: Record<string, number> = {};
  const clips: Record<string, Record<string, CodecScores>> = {};
  const inputs: { name: string; group: string; load: () => Promise<Float32Array> }[] = files.map((file) => ({
    name: file,
    group: 'files',
    load: async () => {
      const full = await decodeAudio(file, { sampleRateHz: ours.sampleRateHz, startSec: o.startSec ?? 0 });
      return full.subarray(0, Math.min(full.length, Math.round(o.maxSeconds * ours.sampleRateHz)));
    },
  }));
  if (o.corpusDir) {
    const split = o.corpusSplit ?? 'test';
    for (const clip of corpusClips(o.corpusDir, split, o.corpusSegments ?? 16))
      inputs.push({ name: clip.name, group: `corpus:${split}`, load: async () => clip.wave });
  }
  for (const { name: file, load } of inputs) {
    const wave = await load();
    if (wave.length < minEvalSamples(ours))
      throw new V2meowError(
        'ZERO_DURATION',
        `${(wave.length / ours.sampleRateHz).toFixed(3)} s of audio is too short to evaluate: need at least ` +
          `${(minEvalSamples(ours) / ours.sampleRateHz).toFixed(2)} s`,
        file,
      );
    const outputs = new Map<string, Float32Array>();
    for (const l of levels) {
      const kbps = (l * bitsPerFrame * ours.frameRateHz) / 1000;
      outputs.set(`v2meow:${l}`, reconstruct(ours, wave, l));
      bitratesKbps[`v2meow:${l}`] = kbps;
      if (o.opus) {
        const key = `opus:${formatKbps(kbps)}`;
        outputs.set(key, await opusRoundTrip(wave, ours.sampleRateHz, kbps));
        bitratesKbps[key] = kbps;
      }
    }
    if (lyra)
      for (const [rate, quantizers] of lyraRates) {
        outputs.set(`lyra:${rate}`, reconstruct(lyra, wave, quantizers));
        bitratesKbps[`lyra:${rate}`] = Number.parseFloat(rate);
      }
    const referenceEmbedding = yamnet?.run(wave).embeddings ?? null;
    const scores: Record<string, CodecScores> = {};
    for (const [system, estimate] of outputs) {
      const embedding = yamnet?.run(estimate).embeddings ?? null;
      scores[system] = {
        melL1: melL1Distance(wave, estimate),
        lsd: logSpectralDistance(wave, estimate),
        siSdr: siSdr(wave, estimate),
        yamnetCos:
          referenceEmbedding && embedding
            ? meanEmbeddingCosine(referenceEmbedding, embedding, yamnet!.config.embeddingDim)
            : null,
      };
      progress(`${basename(file)} ${system}: mel-L1 ${scores[system]!.melL1.toFixed(3)}`);
    }
    clips[file] = scores;
  }
  const systems = Object.keys(clips[inputs[0]?.name ?? ''] ?? {});
  const meansOver = (names: string[]) =>
    Object.fromEntries(systems.map((system) => [system, meanScores(names.map((n) => clips[n]![system]!))]));
  const mean = meansOver(inputs.map((i) => i.name));
  const groupMeans: Record<string, Record<string, CodecScores>> = {};
  for (const group of new Set(inputs.map((i) => i.group)))
    groupMeans[group] = meansOver(inputs.filter((i) => i.group === group).map((i) => i.name));
  ours.dispose();
  lyra?.dispose();
  return {
    settings: {
      codec: ours.id,
      sampleRateHz: ours.sampleRateHz,
      startSec: o.startSec ?? 0,
      maxSeconds: o.maxSeconds,
      bitratesKbps,
    },
    clips,
    mean,
    groupMeans,
  };
}

/** The mean tables as aligned text: one row per system, one table per group when there are several. */
export function formatCodecTable(report: CodecEvalReport): string {
  const groups = Object.entries(report.groupMeans);
  if (groups.length <= 1) return formatMeans(report, report.mean);
  return [
    ...groups.map(([group, means]) => `${group}:\n${formatMeans(report, means)}`),
    `all clips:\n${formatMeans(report, report.mean)}`,
  ].join('\n\n');
}

function formatMeans(report: CodecEvalReport, means: Record<string, CodecScores>): string {
  const header = ['system', 'kbps', 'mel-L1', 'LSD dB', 'SI-SDR dB', 'YAMNet cos'];
  const rows = Object.entries(means).map(([system, s]) => [
    system,
    String(report.settings.bitratesKbps[system] ?? ''),
    s.melL1.toFixed(3),
    s.lsd.toFixed(2),
    s.siSdr.toFixed(2),
    s.yamnetCos === null ? '-' : s.yamnetCos.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}
