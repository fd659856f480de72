// `v2meow eval default` (issue 13, item 5): the default model scored like V2Meow's Tables 1-2 on clips of the
// held-out films (evalClips.ts), beside the rows that bound it: stages 2-3 on the reference's true semantic
// tokens, the reference through the codec, another film's soundtrack (random shuffle), and unigram codec
// tokens (noise floor). Columns: FAD on YAMNet windows against the references, KL(reference || output) of
// YAMNet class distributions, MusiCNN style cosine to the reference, beat coverage / hit / F1 of the output's
// beats against the clip's visual beats, YAMNet's Music score and top-class share, and the real-time factor.
// Generation is the CLI's V2Meow.generate(); analyses are cached by content (cache.ts), so references and
// unchanged outputs cost nothing on a rerun. Rows, columns and choices: docs/evaluation-default.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Yamnet } from '../encoders/yamnet.js';
import { V2meowError } from '../errors.js';
import { acousticRateHz, audioSampleRateHz, semanticRateHz } from '../features/timeline.js';
import { V2Meow } from '../generate/pipeline.js';
import { decodeAudio } from '../media/audio.js';
import { writeWav } from '../media/wav.js';
import { beatAlignmentScores } from '../rhythm/beatMetrics.js';
import { createRandom, mixSeed, randomInt } from '../util/random.js';
import { defaultEvalCacheDir, EvalCache } from './cache.js';
import { ClipAnalyzer, type ClipFeatures } from './clipAnalysis.js';
import {
  addCodes,
  type CodecCodes,
  codecRoundTrip,
  datasetCounts,
  decodeCodes,
  emptyCounts,
  encodeCodes,
  sampleUnigramCodes,
  type UnigramCounts,
} from './codecBaselines.js';
import {
  type ClipOptions,
  clipVisualBeats,
  defaultFilmsFolder,
  type EvalClip,
  evaluationClips,
} from './evalClips.js';
import { frechetDistance } from './frechet.js';
import { clipKl } from './kl.js';
import { MusicnnStyle } from './musicnnStyle.js';
import { setStatistics } from './setMetrics.js';
import { cosineSimilarity } from './style.js';

/** The rows, in table order. */
export const defaultEvalRows = [
  { id: 'video', label: 'V2Meow: video', generated: true },
  { id: 'videoText', label: 'V2Meow: video + text', generated: true },
  { id: 'unconditioned', label: 'V2Meow: unconditioned (drop all)', generated: true },
  { id: 'trueSemantic', label: 'Stages 2-3 on the reference semantic tokens', generated: true },
  { id: 'codec', label: 'Reference through the codec (all levels)', generated: false },
  {
    id: 'codecModel',
    label: "Reference through the codec (the model's decoded levels)",
    generated: false,
  },
  { id: 'shuffle', label: "Random shuffle (another film's soundtrack)", generated: false },
  { id: 'noise', label: 'Noise floor (unigram codec tokens)', generated: false },
  {
    id: 'noiseModel',
    label: "Noise floor at the model's decoded levels",
    generated: false,
  },
  { id: 'reference', label: 'Reference soundtrack', generated: false },
] as const;
export type DefaultEvalRowId = (typeof defaultEvalRows)[number]['id'];

/** Clips per film by default: the first and the last whole window (6 clips for the three films). */
export const defaultClipsPerFilm = 2;

/** The text of the video + text row when none is given: a style the Blender films' scores share. */
export const defaultEvalText = 'cinematic orchestral score';

export interface DefaultEvalOptions extends ClipOptions {
  /** Model bundle folder, 'debug', or a loaded pipeline (the caller disposes that one). */
  readonly model: string | V2Meow;
  /** Codec of the debug model: 'default' (the trained codec, the default here) or 'debug'. */
  readonly debugCodec?: 'default' | 'debug';
  /** Folder of the films (default defaultFilmsFolder()). */
  readonly filmsFolder?: string;
  /** Samples per clip and generated row, drawn as one batch of candidates (default 3). */
  readonly seeds?: number;
  /** Sampling seed of every batch, and of the shuffle and noise draws (default 0). */
  readonly seed?: number;
  /** Text of the video + text row (default defaultEvalText). */
  readonly text?: string;
  /** Training set whose train-split acoustic tokens give the noise floor's frequencies (default: the references'). */
  readonly dataFolder?: string;
  /** Where the WAVs go: OUT/<row>/<clip>-<k>.wav, OUT/reference/<clip>.wav (created). */
  readonly outFolder: string;
  /** Analysis cache (default defaultEvalCacheDir(); null: none). */
  readonly cacheFolder?: string | null;
  readonly onProgress?: (message: string) => void;
}

/** Figures of one output (one sample of one row on one clip). */
export interface OutputFigures {
  readonly row: DefaultEvalRowId;
  readonly clip: string;
  /** Sample index (0 for rows with one output per clip). */
  readonly sample: number;
  /** The audio scored: a WAV under the output folder, or the reference clip it was taken from. */
  readonly file: string;
  /** KL(reference || output) over YAMNet's 521 classes, nats. */
  readonly kl: number;
  /** Cosine of MusiCNN style vectors (output vs reference). */
  readonly styleCos: number;
  /** Output beats vs the clip's visual beats (null when neither has a beat). */
  readonly beatCoverage: number | null;
  readonly beatHit: number | null;
  readonly beatF1: number | null;
  readonly numBeats: number;
  /** YAMNet clip-mean score of the class 'Music'. */
  readonly musicScore: number;
  /** YAMNet's top class (clip mean). */
  readonly topClass: string;
  /** Generation wall seconds of this output's batch divided among its samples (null without generation). */
  readonly generationSec: number | null;
  readonly seconds: number;
}

/** One row of the table: means over its outputs. */
export interface RowFigures {
  readonly id: DefaultEvalRowId;
  readonly label: string;
  readonly numOutputs: number;
  /** Fréchet distance of the row's YAMNet window embeddings to the references'. */
  readonly fad: number;
  readonly kl: number;
  readonly styleCos: number;
  /** Means over outputs with beats on either side (null when none had). */
  readonly beatCoverage: number | null;
  readonly beatHit: number | null;
  readonly beatF1: number | null;
  readonly musicScore: number;
  /** Share of outputs whose YAMNet top class is Music. */
  readonly musicTopShare: number;
  /** Generation wall time / seconds of music (null for rows without generation). */
  readonly rtf: number | null;
}

export interface DefaultEvalResult {
  readonly settings: {
    readonly model: string;
    readonly filmsFolder: string;
    readonly clipSeconds: number;
    readonly seeds: number;
    readonly seed: number;
    readonly text: string;
    readonly noiseFrequencies: string;
    readonly styleEncoder: string;
    readonly embedding: string;
    readonly toleranceSec: number;
  };
  readonly clips: readonly (EvalClip & {
    readonly visualBeatsSec: readonly number[];
    readonly reference: string;
  })[];
  readonly rows: readonly RowFigures[];
  readonly outputs: readonly OutputFigures[];
  /** Seconds of music generated in all, and the wall time of the whole run. */
  readonly generatedSec: number;
  readonly elapsedSec: number;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** Mean of the non-null values, or null. */
function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? mean(present) : null;
}

/** The tokens, their last one repeated up to `count` when the tokenizer made fewer (a partial last frame). */
function coverTokens(tokens: Int32Array, count: number): Int32Array {
  if (tokens.length >= count || tokens.length === 0) return tokens;
  const out = new Int32Array(count).fill(tokens[tokens.length - 1]!);
  out.set(tokens);
  return out;
}

/** Generated rows x clips x seeds x seconds: the music the run will generate. */
export function plannedGenerationSec(numClips: number, clipSeconds: number, seeds: number): number {
  return defaultEvalRows.filter((r) => r.generated).length * numClips * seeds * clipSeconds;
}

/** Loads the model of `options.model` (debug: with the trained codec unless told otherwise). */
export async function loadEvalModel(
  model: string,
  debugCodec: 'default' | 'debug' = 'default',
  progress: (message: string) => void = () => {},
): Promise<V2Meow> {
  if (model === 'debug')
    progress(
      `model: debug (random stages, ${debugCodec === 'default' ? 'trained' : 'debug'} codec): the format, not a model`,
    );
  return V2Meow.fromPretrained(model, model === 'debug' ? { codec: debugCodec } : {});
}

/** Scores of an output's features against its clip. */
export function outputFigures(
  features: ClipFeatures,
  reference: ClipFeatures,
  visualBeatsSec: readonly number[],
  labels: readonly string[],
  base: Pick<OutputFigures, 'row' | 'clip' | 'sample' | 'file' | 'generationSec' | 'seconds'>,
): OutputFigures {
  const beats =
    features.beatsSec.length + visualBeatsSec.length > 0
      ? beatAlignmentScores(features.beatsSec, visualBeatsSec)
      : null;
  let top = 0;
  for (let c = 1; c < features.clipScores.length; c++)
    if (features.clipScores[c]! > features.clipScores[top]!) top = c;
  return {
    ...base,
    kl: clipKl(reference.clipScores, features.clipScores),
    styleCos: cosineSimilarity(features.style, reference.style),
    beatCoverage: beats?.beatCoverageScore ?? null,
    beatHit: beats?.beatHitScore ?? null,
    beatF1: beats?.f1 ?? null,
    numBeats: features.beatsSec.length,
    musicScore: features.clipScores[labels.indexOf('Music')]!,
    topClass: labels[top]!,
  };
}

/** Runs the whole evaluation (see the file header). */
export async function evaluateDefaultModel(options: DefaultEvalOptions): Promise<DefaultEvalResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const seeds = options.seeds ?? 3;
  const seed = options.seed ?? 0;
  if (!(Number.isInteger(seeds) && seeds >= 1))
    throw new V2meowError('BAD_ARGUMENT', `seeds must be a whole number >= 1, got ${seeds}`);
  const text = options.text ?? defaultEvalText;
  const filmsFolder = options.filmsFolder ?? defaultFilmsFolder();
  const clips = await evaluationClips(filmsFolder, {
    ...options,
    clipsPerFilm: options.clipsPerFilm ?? defaultClipsPerFilm,
  });
  const clipSeconds = clips[0]!.seconds;
  const planned = plannedGenerationSec(clips.length, clipSeconds, seeds);
  progress(
    `${clips.length} clips of ${clipSeconds} s x ${seeds} samples x 4 generated rows: ${planned} s of music to generate; ` +
      `at 1.1-2.5 s per second of music (the small preset on 2 cores) about ${Math.round((planned * 1.1) / 60)}-` +
      `${Math.round((planned * 2.5) / 60)} min of generation, plus analyses; the measured rate follows each clip`,
  );
  const model =
    typeof options.model === 'string'
      ? await loadEvalModel(options.model, options.debugCodec, progress)
      : options.model;
  const cache = new EvalCache(
    options.cacheFolder === undefined ? defaultEvalCacheDir() : options.cacheFolder,
  );
  const yamnet = await Yamnet.fromPretrained();
  const musicnn = await MusicnnStyle.fromPretrained();
  try {
    // the text fails here, before any work, when no word of it carries a style
    model.parts.textStyle.encode(text);
    const analyzer = new ClipAnalyzer(yamnet, musicnn, cache);
    const { codec } = model.parts;
    const folder = (row: string) => {
      const path = join(options.outFolder, row);
      mkdirSync(path, { recursive: true });
      return path;
    };
    const analyzeWave = async (path: string, wave: Float32Array) => {
      await writeWav(path, wave, audioSampleRateHz, { format: 'pcm16' });
      return analyzer.analyze(path);
    };

    // pass 1: references, their codec tokens and round trips, visual beats
    const references: ClipFeatures[] = [];
    const referenceWaves: Float32Array[] = [];
    const referenceCodes: CodecCodes[] = [];
    const visualBeats: number[][] = [];
    const outputs: OutputFigures[] = [];
    const features = new Map<DefaultEvalRowId, ClipFeatures[]>();
    const record = (figures: OutputFigures, f: ClipFeatures) => {
      outputs.push(figures);
      if (!features.has(figures.row)) features.set(figures.row, []);
      features.get(figures.row)!.push(f);
    };
    for (const [i, clip] of clips.entries()) {
      progress(`reference ${i + 1}/${clips.length}: ${clip.name}`);
      const wave = await decodeAudio(clip.film, {
        sampleRateHz: audioSampleRateHz,
        startSec: clip.startSec,
        durationSec: clip.seconds,
      });
      referenceWaves.push(wave);
      references.push(await analyzeWave(join(folder('reference'), `${clip.name}.wav`), wave));
      referenceCodes.push(encodeCodes(codec, wave));
      visualBeats.push(await clipVisualBeats(clip, cache));
    }
    // the shuffle row's pool: every window of the films, analysed when first drawn (cached by content)
    const shufflePool = await evaluationClips(filmsFolder, {
      films: options.films,
      clipSeconds,
      clipsPerFilm: Number.POSITIVE_INFINITY,
    });
    const windowCache = new Map<string, ClipFeatures>(clips.map((c, i) => [c.name, references[i]!]));
    const windowFeatures = async (window: EvalClip): Promise<ClipFeatures> => {
      const known = windowCache.get(window.name);
      if (known) return known;
      const wave = await decodeAudio(window.film, {
        sampleRateHz: audioSampleRateHz,
        startSec: window.startSec,
        durationSec: window.seconds,
      });
      const f = await analyzeWave(join(folder('shuffle'), `${window.name}.wav`), wave);
      windowCache.set(window.name, f);
      return f;
    };
    let counts: UnigramCounts;
    if (options.dataFolder)
      counts = datasetCounts(options.dataFolder, codec.numCodebooks, codec.codebookSize);
    else {
      counts = emptyCounts(codec.numCodebooks, codec.codebookSize, '');
      for (const codes of referenceCodes) addCodes(counts, codes);
      counts.source = `the ${clips.length} reference clips themselves (no --data given)`;
    }
    progress(`noise floor frequencies: ${counts.source}`);

    // pass 2: per clip, every row
    let generatedSec = 0;
    let generationWallSec = 0;
    for (const [i, clip] of clips.entries()) {
      const clipStarted = performance.now();
      const reference = references[i]!;
      const figures = (
        row: DefaultEvalRowId,
        f: ClipFeatures,
        sample: number,
        generationSec: number | null,
      ) =>
        record(
          outputFigures(f, reference, visualBeats[i]!, yamnet.labels, {
            row,
            clip: clip.name,
            sample,
            file: f.path,
            generationSec,
            seconds: clip.seconds,
          }),
          f,
        );
      figures('reference', reference, 0, null);
      const requests: Record<
        'video' | 'videoText' | 'unconditioned' | 'trueSemantic',
        Parameters<V2Meow['generate']>[0]
      > = {
        video: { video: clip.film },
        videoText: { video: clip.film, text },
        unconditioned: { drop: 'all' },
        trueSemantic: {
          video: clip.film,
          semanticTokens: coverTokens(
            model.parts.semanticTokenizer.tokenize(referenceWaves[i]!),
            Math.ceil(clip.seconds * semanticRateHz - 1e-9),
          ),
        },
      };
      for (const [row, request] of Object.entries(requests) as [
        keyof typeof requests,
        (typeof requests)['video'],
      ][]) {
        const result = await model.generate({
          ...request,
          ...(request.video ? { startSec: clip.startSec } : {}),
          seconds: clip.seconds,
          seed,
          candidates: seeds,
        });
        const perSample = result.timingsSec.total / seeds;
        generatedSec += seeds * clip.seconds;
        generationWallSec += result.timingsSec.total;
        for (const [k, candidate] of result.candidates.entries())
          figures(
            row,
            await analyzeWave(join(folder(row), `${clip.name}-${k}.wav`), candidate.waveform),
            k,
            perSample,
          );
      }
      figures(
        'codec',
        await analyzeWave(
          join(folder('codec'), `${clip.name}.wav`),
          codecRoundTrip(codec, referenceWaves[i]!),
        ),
        0,
        null,
      );
      // another film's soundtrack: any window of the other films (of this film when there is only one)
      const otherFilms = shufflePool.filter((c) => c.film !== clip.film);
      const pool = otherFilms.length > 0 ? otherFilms : shufflePool.filter((c) => c.name !== clip.name);
      const random = createRandom(mixSeed(seed, `shuffle ${clip.name}`));
      for (let k = 0; k < seeds && pool.length > 0; k++)
        figures('shuffle', await windowFeatures(pool[randomInt(random, pool.length)]!), k, null);
      // the sound at the levels the model decodes (bundle generation.decodeLevels): its own ceiling and floor
      const modelLevels = model.parts.generation?.decodeLevels ?? codec.numCodebooks;
      const firstLevels = (c: CodecCodes): CodecCodes => ({
        levels: modelLevels,
        frames: c.frames,
        data: c.data.subarray(0, modelLevels * c.frames),
      });
      if (modelLevels < codec.numCodebooks)
        figures(
          'codecModel',
          await analyzeWave(
            join(folder('codecModel'), `${clip.name}.wav`),
            decodeCodes(codec, firstLevels(referenceCodes[i]!), referenceWaves[i]!.length),
          ),
          0,
          null,
        );
      const frames = Math.ceil(clip.seconds * acousticRateHz - 1e-9);
      for (let k = 0; k < seeds; k++) {
        const codes = sampleUnigramCodes(counts, frames, mixSeed(seed, `noise ${clip.name} ${k}`));
        const wave = decodeCodes(codec, codes, referenceWaves[i]!.length);
        figures('noise', await analyzeWave(join(folder('noise'), `${clip.name}-${k}.wav`), wave), k, null);
        if (modelLevels < codec.numCodebooks) {
          const coarse = decodeCodes(codec, firstLevels(codes), referenceWaves[i]!.length);
          figures(
            'noiseModel',
            await analyzeWave(join(folder('noiseModel'), `${clip.name}-${k}.wav`), coarse),
            k,
            null,
          );
        }
      }
      const left = clips.length - i - 1;
      const clipSec = (performance.now() - clipStarted) / 1000;
      progress(
        `clip ${i + 1}/${clips.length} ${clip.name}: ${clipSec.toFixed(1)} s (generation RTF ${(generationWallSec / generatedSec).toFixed(2)})` +
          (left > 0 ? `, about ${((clipSec * left) / 60).toFixed(1)} min left` : ''),
      );
    }

    const referenceStatistics = await setStatistics(references, cache);
    const rows: RowFigures[] = [];
    for (const spec of defaultEvalRows) {
      const own = outputs.filter((o) => o.row === spec.id);
      if (own.length === 0) continue;
      const generation = own.map((o) => o.generationSec);
      rows.push({
        id: spec.id,
        label: spec.id === 'videoText' ? `${spec.label} "${text}"` : spec.label,
        numOutputs: own.length,
        fad: frechetDistance(await setStatistics(features.get(spec.id)!, cache), referenceStatistics),
        kl: mean(own.map((o) => o.kl)),
        styleCos: mean(own.map((o) => o.styleCos)),
        beatCoverage: meanOf(own.map((o) => o.beatCoverage)),
        beatHit: meanOf(own.map((o) => o.beatHit)),
        beatF1: meanOf(own.map((o) => o.beatF1)),
        musicScore: mean(own.map((o) => o.musicScore)),
        musicTopShare: own.filter((o) => o.topClass === 'Music').length / own.length,
        rtf: spec.generated ? (meanOf(generation) ?? 0) / clipSeconds : null,
      });
    }
    return {
      settings: {
        model: model.parts.name,
        filmsFolder,
        clipSeconds,
        seeds,
        seed,
        text,
        noiseFrequencies: counts.source,
        styleEncoder: musicnn.id,
        embedding: `yamnet-1024 (hop ${yamnet.config.hopSamples / yamnet.config.sampleRateHz} s)`,
        toleranceSec: 0.07,
      },
      clips: clips.map((clip, i) => ({
        ...clip,
        reference: references[i]!.path,
        visualBeatsSec: visualBeats[i]!,
      })),
      rows,
      outputs,
      generatedSec,
      elapsedSec: (performance.now() - started) / 1000,
    };
  } finally {
    yamnet.dispose();
    musicnn.dispose();
    if (typeof options.model === 'string') model.dispose();
  }
}
