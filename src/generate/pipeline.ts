// V2Meow end to end (section 3, "Modeling Pipeline"): video (+ text) -> visual streams and rhythm curves ->
// stage 1 -> semantic tokens -> stage 2 -> coarse codes -> stage 3 -> fine codes -> codec decoder -> 16 kHz
// music, exactly as long as the video (or the asked seconds). `V2Meow.fromPretrained(dir)` loads a model
// bundle (bundleParts.ts); `'debug'` builds seeded random debug stages so everything can be tried untrained.
// generate() returns one result object: per candidate the waveform and each stage's tokens, timings per stage,
// the video's visual beats and cuts, the text's style.
import { dirname, join } from 'node:path';
import { defaultCodecPath } from '../codec/files.js';
import { codecPresets, createCodec, loadCodec } from '../codec/soundstream.js';
import { V2meowError } from '../errors.js';
import { acousticPerSemantic, audioSampleRateHz, semanticRateHz } from '../features/timeline.js';
import { decodeAudio } from '../media/audio.js';
import { repeatRows } from '../models/common.js';
import { defaultTemperatures } from '../models/sampling.js';
import type { GuidanceDrop } from '../models/stage1.js';
import { cat, manualSeed, noGrad, type Tensor, tensor, tidy } from '../torch/index.js';
import { checkPartsFit, loadBundleParts, type PipelineParts } from './bundleParts.js';
import { overlapOf, runChain } from './chain.js';
import {
  checkVideo,
  DebugSemanticTokenizer,
  debugStages,
  LexiconTextStyle,
  RhythmConditionSource,
  VisualConditionSource,
} from './debugParts.js';
import type { ConditionSource, TextStyle, TextStyleSource, VideoConditions } from './parts.js';
import type { PriorStyle } from './stylePrior.js';

/** The pipeline's steps, in order (progress and timings are reported per step). */
export const generationSteps = ['features', 'stage1', 'stage2', 'stage3', 'codec'] as const;
export type GenerationStep = (typeof generationSteps)[number];

export interface GenerateProgress {
  readonly step: GenerationStep;
  /** Units done / total: seconds of video (features), tokens or frames of the stage's rate, frames (codec). */
  readonly done: number;
  readonly total: number;
  /** Seconds since the step began, and the estimate of the seconds it still needs (null before any unit). */
  readonly elapsedSec: number;
  readonly remainingSec: number | null;
}

/** Which conditions to generate without ('text' drops the style token; the paper's ablations). */
export type DropCondition = 'video' | 'text' | 'all';

export interface GenerateRequest {
  /** Video to score. Without one, `seconds` is needed (text-only or unconditioned generation). */
  readonly video?: string;
  /** Style text (encoded into the style token). */
  readonly text?: string;
  /** Seconds of music (default: the video from startSec to its end). */
  readonly seconds?: number;
  /** Where in the video the music starts (default 0). */
  readonly startSec?: number;
  /** Seed of the sampling (default 0): the same seed gives the same music. */
  readonly seed?: number;
  /** Soundtracks sampled in one batch (default 1). */
  readonly candidates?: number;
  /** Sampling temperature per stage (defaults 1.0 / 0.95 / 0.4). */
  readonly temperatures?: Partial<Record<'stage1' | 'stage2' | 'stage3', number>>;
  /** Classifier-free guidance scale on the conditions (default: the bundle's generation.guidance, else none). */
  readonly guidance?: number | null;
  /** What guidance's unconditional rows drop (default: the bundle's generation.guidanceDrop, else 'all'). */
  readonly guidanceDrop?: GuidanceDrop;
  /** Generate as if these conditions were absent. */
  readonly drop?: DropCondition;
  /**
   * The text's style token is the mean style of this many training examples nearest the text (the bundle's
   * style prior); 0: the text's own vector. Default: the bundle's generation.stylePriorK, else 0.
   */
  readonly stylePriorK?: number;
  /**
   * With the style prior: continue the style prompt of one of the k nearest training examples (the output never
   * contains it). Default: the bundle's generation.stylePrompt. A prompt audio takes its place.
   */
  readonly stylePrompt?: boolean;
  /**
   * Semantic tokens (25 Hz, at least the music's length) to use instead of stage 1's: stages 2-3 and the codec
   * run on them (e.g. a reference's own tokens: the upper bound of stages 2-3 in an evaluation).
   */
  readonly semanticTokens?: Int32Array;
  /** Audio file to continue (AudioLM style): its tokens are the first windows' context. */
  readonly promptAudio?: string;
  /**
   * Codec levels decoded (default: the bundle's generation.decodeLevels, else every level): stage 2's coarse
   * levels alone skip stage 3.
   */
  readonly decodeLevels?: number;
  readonly onProgress?: (p: GenerateProgress) => void;
}

/** Integer tokens with their shape (row-major). */
export interface TokenArray {
  readonly shape: readonly number[];
  readonly data: Int32Array;
}

export interface GeneratedCandidate {
  /** Mono 16 kHz samples, exactly round(seconds x 16000) of them. */
  readonly waveform: Float32Array;
  /** Semantic tokens [T] (25 Hz). */
  readonly semantic: TokenArray;
  /** Coarse codes [Kc, 2T] (50 Hz). */
  readonly coarse: TokenArray;
  /** Fine codes [Kf, 2T]. */
  readonly fine: TokenArray;
}

export interface GenerationResult {
  readonly model: string;
  readonly sampleRateHz: number;
  readonly seconds: number;
  readonly startSec: number;
  readonly seed: number;
  readonly candidates: readonly GeneratedCandidate[];
  /** Seconds spent per step, and in all. */
  readonly timingsSec: Readonly<Record<GenerationStep | 'total', number>>;
  /** The video's window: visual beats and cuts in seconds from startSec, tempo. */
  readonly video: (Omit<VideoConditions, 'streams'> & { readonly conditionSource: string }) | null;
  /** The text and its style (`vector`: the text's own; `prior`: what stage 1 was given instead, if any). */
  readonly text: (TextStyle & { readonly text: string; readonly prior?: PriorStyle & { k: number } }) | null;
}

export interface DebugOptions {
  /** 'debug' (default): the codec's debug preset (4 x 64, fast); 'default': the trained codec file. */
  readonly codec?: 'debug' | string;
  /** Seed of the random weights (default 0). */
  readonly seed?: number;
}

/** The default model bundle shipped in the package: weights/v2meow (bundle.json and its parts). */
export function defaultBundleDir(): string {
  return join(dirname(dirname(defaultCodecPath())), 'v2meow');
}

function checkRequest(r: GenerateRequest): void {
  const bad = (option: string, message: string): never => {
    throw new V2meowError('BAD_ARGUMENT', `${option} ${message}`);
  };
  if (r.seconds !== undefined && !(Number.isFinite(r.seconds) && r.seconds > 0))
    bad('seconds', `must be a number > 0, got ${r.seconds}`);
  if (r.startSec !== undefined && !(Number.isFinite(r.startSec) && r.startSec >= 0))
    bad('start', `must be a number >= 0, got ${r.startSec}`);
  const n = r.candidates ?? 1;
  if (!(Number.isInteger(n) && n >= 1)) bad('candidates', `must be a whole number >= 1, got ${n}`);
  if (r.seed !== undefined && !Number.isInteger(r.seed)) bad('seed', `must be a whole number, got ${r.seed}`);
  if (r.guidance != null && !(Number.isFinite(r.guidance) && r.guidance >= 0))
    bad('guidance', `must be a number >= 0, got ${r.guidance}`);
  if (r.guidanceDrop !== undefined && !['video', 'style', 'all'].includes(r.guidanceDrop))
    bad('guidanceDrop', `must be video, style or all, got ${r.guidanceDrop}`);
  if (r.stylePriorK !== undefined && !(Number.isInteger(r.stylePriorK) && r.stylePriorK >= 0))
    bad('stylePriorK', `must be a whole number >= 0, got ${r.stylePriorK}`);
  if (r.drop !== undefined && !['video', 'text', 'all'].includes(r.drop))
    bad('drop', `must be video, text or all, got ${r.drop}`);
  if (!r.video && r.seconds === undefined)
    bad('seconds', 'is needed when there is no video (text-only or unconditioned generation)');
}

export class V2Meow {
  private constructor(
    readonly parts: PipelineParts,
    readonly conditionSource: ConditionSource,
  ) {}

  /** Loads a model bundle folder, or builds the debug pipeline ('debug': random stages, see DebugOptions). */
  static async fromPretrained(dir: string, options: DebugOptions = {}): Promise<V2Meow> {
    if (dir === 'debug') return V2Meow.debug(options);
    const parts = await loadBundleParts(dir);
    return new V2Meow(parts, new VisualConditionSource(parts.stage1.config.streams.map((s) => s.name)));
  }

  /** A pipeline from parts built elsewhere (benchmarks, tests); checks once that they fit. */
  static fromParts(parts: PipelineParts, conditionSource?: ConditionSource): V2Meow {
    checkPartsFit(parts, parts.name);
    return new V2Meow(
      parts,
      conditionSource ?? new VisualConditionSource(parts.stage1.config.streams.map((s) => s.name)),
    );
  }

  /** Seeded random debug-preset stages sized for the chosen codec, a loudness tokenizer, a lexicon style. */
  static debug(options: DebugOptions = {}): V2Meow {
    const seed = options.seed ?? 0;
    manualSeed(seed);
    let codec: PipelineParts['codec'];
    if ((options.codec ?? 'debug') === 'debug') codec = createCodec('debug').eval();
    else {
      const loaded = loadCodec(options.codec === 'default' ? defaultCodecPath() : options.codec!);
      for (const t of loaded.rest.values()) t.dispose();
      codec = loaded.codec;
    }
    const numCoarse =
      codec.id === codecPresets.debug.id ? codecPresets.debug.numCoarse : codecPresets.default.numCoarse;
    const semanticTokenizer = new DebugSemanticTokenizer(64);
    const stages = debugStages(
      {
        codecId: codec.id,
        numCodebooks: codec.numCodebooks,
        numCoarse,
        codebookSize: codec.codebookSize,
        semanticTokenizerId: semanticTokenizer.id,
        semanticVocabularySize: semanticTokenizer.vocabularySize,
      },
      seed,
    );
    return new V2Meow(
      { name: 'debug', ...stages, codec, semanticTokenizer, textStyle: LexiconTextStyle.load() },
      new RhythmConditionSource(),
    );
  }

  /** Generates `candidates` soundtracks in one batch; see GenerateRequest and GenerationResult. */
  async generate(request: GenerateRequest): Promise<GenerationResult> {
    checkRequest(request);
    const { stage1, stage2, stage3, codec, textStyle } = this.parts;
    const allLevels = stage2.config.numLevels + (stage3?.config.numFineLevels ?? 0);
    const decodeLevels = request.decodeLevels ?? this.parts.generation?.decodeLevels ?? allLevels;
    if (!(Number.isInteger(decodeLevels) && decodeLevels >= 1 && decodeLevels <= allLevels))
      throw new V2meowError(
        'BAD_ARGUMENT',
        `decode levels ${decodeLevels}: a whole number from 1 to ${allLevels}`,
      );
    const rows = request.candidates ?? 1;
    const seed = request.seed ?? 0;
    const startSec = request.startSec ?? 0;
    const drop = request.drop;
    const timings: Record<GenerationStep | 'total', number> = {
      features: 0,
      stage1: 0,
      stage2: 0,
      stage3: 0,
      codec: 0,
      total: 0,
    };
    const began = performance.now();
    const stepStart: Partial<Record<GenerationStep, number>> = {};
    const report = (step: GenerationStep, done: number, total: number) => {
      if (!request.onProgress) return;
      const now = performance.now();
      stepStart[step] ??= now;
      const elapsedSec = (now - stepStart[step]!) / 1000;
      const remainingSec = done > 0 ? (elapsedSec * (total - done)) / done : null;
      request.onProgress({ step, done, total, elapsedSec, remainingSec });
    };

    // conditions: text first (cheap, and its errors should come before any decoding)
    const featuresStart = performance.now();
    const encoded =
      request.text !== undefined ? { text: request.text, ...encodeText(textStyle, request.text) } : null;
    const priorK = request.stylePriorK ?? this.parts.generation?.stylePriorK ?? 0;
    if (priorK > 0 && encoded && !this.parts.stylePrior)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `stylePriorK ${priorK}: the model ${this.parts.name} has no style prior`,
      );
    const text: GenerationResult['text'] =
      encoded && priorK > 0 && this.parts.stylePrior
        ? { ...encoded, prior: { k: priorK, ...this.parts.stylePrior.nearest(encoded.vector, priorK) } }
        : encoded;
    let video: VideoConditions | null = null;
    let seconds = request.seconds ?? 0;
    if (request.video) {
      const durationSec = await checkVideo(request.video);
      if (startSec >= durationSec)
        throw new V2meowError(
          'BAD_ARGUMENT',
          `--start ${startSec} s is past the video's end (${durationSec.toFixed(2)} s)`,
          request.video,
        );
      report('features', 0, durationSec);
      video = await this.conditionSource.extract(request.video, {
        startSec,
        seconds: request.seconds,
        onProgress: (s) => report('features', Math.min(s, durationSec), durationSec),
      });
      seconds = Math.min(request.seconds ?? Number.POSITIVE_INFINITY, video.durationSec - startSec);
      report('features', video.durationSec, video.durationSec);
    }
    const promptAudio = request.promptAudio
      ? await decodeAudio(request.promptAudio, { sampleRateHz: audioSampleRateHz })
      : null;
    timings.features = (performance.now() - featuresStart) / 1000;

    const numTokens = Math.max(1, Math.ceil(seconds * semanticRateHz - 1e-9));
    const numSamples = Math.round(seconds * audioSampleRateHz);
    const given = request.semanticTokens;
    if (given) checkSemanticTokens(given, numTokens, this.parts.semanticTokenizer.vocabularySize);
    const chainTokens = noGrad(() =>
      tidy(() => {
        const style =
          text && drop !== 'text' && drop !== 'all'
            ? repeatRows(tensor(text.prior?.vector ?? text.vector, [1, text.vector.length]), rows)
            : null;
        const streams: Record<string, Tensor> = {};
        if (video)
          for (const spec of stage1.config.streams) {
            const s = video.streams[spec.name];
            if (s && (s.dim !== spec.dim || Math.abs(s.rateHz - spec.rateHz) > 1e-6))
              throw new V2meowError(
                'SHAPE_MISMATCH',
                `the video's '${spec.name}' stream is ${s.dim}-d at ${s.rateHz} Hz (${this.conditionSource.id}), stage 1 reads ${spec.dim}-d at ${spec.rateHz} Hz`,
              );
            if (s && s.numFrames > 0)
              streams[spec.name] = repeatRows(tensor(s.data, [1, s.numFrames, s.dim]), rows);
          }
        const videoPresent = Array<boolean>(rows).fill(!!video && drop !== 'video' && drop !== 'all');
        const stylePrompt = request.stylePrompt ?? this.parts.generation?.stylePrompt ?? false;
        const prompt = promptAudio
          ? this.promptTokens(promptAudio, rows, request.promptAudio!)
          : stylePrompt && text?.prior && drop !== 'text' && drop !== 'all'
            ? this.stylePromptTokens(text.prior.rows, rows)
            : null;
        const guidanceDrop: GuidanceDrop =
          request.guidanceDrop ?? this.parts.generation?.guidanceDrop ?? 'all';
        const temperatures = { ...request.temperatures };
        const defaults = this.parts.generation?.sampling ?? {};
        const guidance = request.guidance ?? this.parts.generation?.guidance ?? null;
        const out = runChain(
          { stage1, stage2, stage3 },
          {
            conditions: { style, streams, videoPresent },
            rows,
            numTokens,
            seed,
            guidanceDrop,
            prompt,
            semantic: given
              ? repeatRows(tensor(given.subarray(0, numTokens), [1, numTokens], { dtype: 'int64' }), rows)
              : null,
            sampling: {
              stage1: {
                ...defaults.stage1,
                temperature:
                  temperatures.stage1 ??
                  defaults.stage1?.temperature ??
                  stage1.config.temperature ??
                  defaultTemperatures.stage1,
                guidanceScale: guidance,
              },
              stage2: {
                ...defaults.stage2,
                temperature: temperatures.stage2 ?? defaults.stage2?.temperature ?? stage2.config.temperature,
                // a bundle may guide stage 2 (a style-reading one) at its own scale; a request's scale rules both
                guidanceScale: request.guidance ?? defaults.stage2?.guidanceScale ?? guidance,
              },
              stage3: {
                ...defaults.stage3,
                temperature:
                  temperatures.stage3 ?? defaults.stage3?.temperature ?? stage3?.config.temperature ?? 1,
              },
            },
            skipStage3: decodeLevels <= stage2.config.numLevels,
            onProgress: (stage, done, total) => report(stage, done, total),
            onStageDone: (stage, s) => {
              timings[stage] = s;
            },
          },
        );
        out.semantic.keep();
        out.coarse.keep();
        out.fine.keep();
        return out;
      }),
    );
    try {
      const codecStart = performance.now();
      report('codec', 0, rows);
      const waves = noGrad(() =>
        tidy(() => {
          const codes = cat([chainTokens.coarse, chainTokens.fine], 1).narrow(1, 0, decodeLevels);
          const out: Float32Array[] = [];
          for (let r = 0; r < rows; r++) {
            const wave = tidy(() => codec.decode(codes.narrow(0, r, 1)).toFloat32Array());
            const exact = new Float32Array(numSamples);
            exact.set(wave.subarray(0, numSamples));
            out.push(exact);
            report('codec', r + 1, rows);
          }
          return out;
        }),
      );
      timings.codec = (performance.now() - codecStart) / 1000;
      const semantic = int32Rows(chainTokens.semantic);
      const coarse = int32Rows(chainTokens.coarse);
      const fine = int32Rows(chainTokens.fine);
      timings.total = (performance.now() - began) / 1000;
      const { streams: _streams, ...videoInfo } = video ?? { streams: null };
      return {
        model: this.parts.name,
        sampleRateHz: audioSampleRateHz,
        seconds,
        startSec: video ? startSec : 0,
        seed,
        candidates: waves.map((waveform, r) => ({
          waveform,
          semantic: semantic[r]!,
          coarse: coarse[r]!,
          fine: fine[r]!,
        })),
        timingsSec: timings,
        video: video
          ? { ...(videoInfo as Omit<VideoConditions, 'streams'>), conditionSource: this.conditionSource.id }
          : null,
        text,
      };
    } finally {
      chainTokens.semantic.dispose();
      chainTokens.coarse.dispose();
      chainTokens.fine.dispose();
    }
  }

  /** How many prompt tokens the stages re-read: a fifth of stage 1's and of stage 2's windows. */
  private promptLength(): number {
    const { stage1, stage2 } = this.parts;
    return Math.min(
      overlapOf(stage1.config.maxTokens),
      Math.floor(overlapOf(stage2.config.maxFrames) / acousticPerSemantic),
    );
  }

  /** Candidate r continues the style prompt of prior row priorRows[r mod k] (its last promptLength tokens). */
  private stylePromptTokens(priorRows: readonly number[], rows: number) {
    const { stage2, stylePrior } = this.parts;
    const numCoarse = stage2.config.numLevels;
    const prompts = Array.from({ length: rows }, (_, r) =>
      stylePrior!.promptOf(priorRows[r % priorRows.length]!),
    );
    const full = prompts[0]!.semantic.length;
    const keep = Math.min(this.promptLength(), full);
    const levels = prompts[0]!.levels;
    const semantic = new Int32Array(rows * keep);
    const codes = new Int32Array(rows * levels * keep * acousticPerSemantic);
    prompts.forEach((p, r) => {
      semantic.set(p.semantic.subarray(full - keep), r * keep);
      for (let l = 0; l < levels; l++) {
        const from = l * full * acousticPerSemantic + (full - keep) * acousticPerSemantic;
        codes.set(
          p.acoustic.subarray(from, from + keep * acousticPerSemantic),
          (r * levels + l) * keep * acousticPerSemantic,
        );
      }
    });
    const all = tensor(codes, [rows, levels, keep * acousticPerSemantic], { dtype: 'int64' });
    return {
      semantic: tensor(semantic, [rows, keep], { dtype: 'int64' }),
      coarse: all.narrow(1, 0, numCoarse),
      fine: all.narrow(1, numCoarse, levels - numCoarse),
    };
  }

  /** Tokens of a prompt audio (its last context window, whole semantic frames), repeated for every row. */
  private promptTokens(samples: Float32Array, rows: number, file: string) {
    const { stage2, codec, semanticTokenizer } = this.parts;
    const keepTokens = Math.min(
      this.promptLength(),
      Math.floor(samples.length / (audioSampleRateHz / semanticRateHz)),
    );
    if (keepTokens < 1)
      throw new V2meowError('BAD_ARGUMENT', 'prompt audio is shorter than one token (40 ms)', file);
    const tail = samples.subarray(samples.length - keepTokens * (audioSampleRateHz / semanticRateHz));
    const semanticIds = semanticTokenizer.tokenize(tail).subarray(0, keepTokens);
    const semantic = repeatRows(tensor(semanticIds, [1, keepTokens], { dtype: 'int64' }), rows);
    const codes = codec.encode(tensor(tail, [1, tail.length])).narrow(2, 0, keepTokens * acousticPerSemantic);
    const numCoarse = stage2.config.numLevels;
    const coarse = repeatRows(codes.narrow(1, 0, numCoarse), rows);
    const fine = repeatRows(codes.narrow(1, numCoarse, codec.numCodebooks - numCoarse), rows);
    return { semantic, coarse, fine };
  }

  dispose(): void {
    for (const part of [
      this.parts.stage1,
      this.parts.stage2,
      this.parts.stage3,
      this.parts.codec,
      this.parts.semanticTokenizer,
    ])
      part?.dispose();
    this.conditionSource.dispose();
  }
}

/** Given semantic tokens must cover the music and lie in the tokenizer's vocabulary (BAD_ARGUMENT otherwise). */
function checkSemanticTokens(tokens: Int32Array, numTokens: number, vocabularySize: number): void {
  if (tokens.length < numTokens)
    throw new V2meowError(
      'BAD_ARGUMENT',
      `semanticTokens: ${tokens.length} tokens given, the music needs ${numTokens} (25 Hz)`,
    );
  for (let i = 0; i < numTokens; i++)
    if (!(tokens[i]! >= 0 && tokens[i]! < vocabularySize))
      throw new V2meowError(
        'BAD_ARGUMENT',
        `semanticTokens: token ${i} is ${tokens[i]}, outside the vocabulary 0..${vocabularySize - 1}`,
      );
}

/** The text's style; a text with no style word is a BAD_ARGUMENT naming the option. */
function encodeText(source: TextStyleSource, text: string): TextStyle {
  try {
    return source.encode(text);
  } catch (error) {
    if (error instanceof V2meowError && !error.file)
      throw new V2meowError(error.code, `text: ${error.message}`);
    throw error;
  }
}

/** [rows, ...] int64 -> one TokenArray per row. */
function int32Rows(t: Tensor): TokenArray[] {
  const [rows, ...shape] = t.shape;
  const all = Int32Array.from(t.toArray());
  const size = all.length / rows!;
  return Array.from({ length: rows! }, (_, r) => ({ shape, data: all.slice(r * size, (r + 1) * size) }));
}
