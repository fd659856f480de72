// `v2meow eval text` (issue 13, item 6): does the text steer the default model? For prompts across genres and
// moods, music is generated for the same video clip(s) and seeds; each output's MusiCNN style vector (the
// clip style of src/encoders/clipStyle.ts, as `generate --json` computes it) is compared by cosine with every
// prompt's text style vector (the model's own text encoder, src/encoders/textStyle.ts). A prompt passes when
// its outputs are closer to its own text than, on average, to the other prompts' texts; the check of the
// issue is that at least 7 of 8 prompts pass.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { clipStyleVector } from '../encoders/clipStyle.js';
import { MusicnnStyleEncoder } from '../encoders/musicnn.js';
import { V2meowError } from '../errors.js';
import { audioSampleRateHz } from '../features/timeline.js';
import type { V2Meow } from '../generate/pipeline.js';
import { writeWav } from '../media/wav.js';
import { loadEvalModel } from './defaultEval.js';
import { type ClipOptions, defaultFilmsFolder, type EvalClip, evaluationClips } from './evalClips.js';
import { cosineSimilarity } from './style.js';

/** Default prompts: genres and moods the text encoder's lexicon knows. */
export const defaultTextPrompts = [
  'calm piano',
  'drum and bass',
  'heavy metal guitar',
  'orchestral strings',
  'jazz saxophone',
  'techno beat',
  'acoustic folk guitar',
  'ambient pads',
] as const;

/**
 * Prompts worded apart from defaultTextPrompts, for choosing settings on validation material (scripts/probe-text.ts,
 * scripts/probe-silence.ts): the evaluation's prompts are never used to choose.
 */
export const validationTextPrompts = [
  'soft piano lullaby',
  'fast drum and bass',
  'distorted rock guitar',
  'epic orchestra',
  'smooth jazz',
  'electronic dance music',
  'country guitar',
  'dark ambient drone',
] as const;

export interface TextControlOptions extends ClipOptions {
  readonly model: string | V2Meow;
  readonly debugCodec?: 'default' | 'debug';
  readonly filmsFolder?: string;
  /** Prompts (default defaultTextPrompts); at least two. */
  readonly prompts?: readonly string[];
  /** Samples per prompt and clip, one batch (default 3). */
  readonly seeds?: number;
  readonly seed?: number;
  /** WAVs: OUT/text/<clip>-<prompt>-<k>.wav. */
  readonly outFolder: string;
  readonly onProgress?: (message: string) => void;
}

/** One prompt's result: mean cosines of its outputs to its own text and to the others'. */
export interface PromptFigures {
  readonly prompt: string;
  /** The text style's top tags. */
  readonly tags: readonly string[];
  readonly numOutputs: number;
  readonly ownCos: number;
  /** Mean over outputs of the mean cosine to the other prompts' vectors. */
  readonly othersCos: number;
  /**
   * Mean cosine of the other prompts' outputs to this prompt's text: how close this text is to music made for
   * other texts (a text near everything shows a high own cosine without any control).
   */
  readonly otherOutputsCos: number;
  /** Rank of the own prompt among all prompts by mean cosine (1 = closest). */
  readonly rank: number;
  readonly pass: boolean;
  /** ownCos > otherOutputsCos: this text is closer to its own music than to music made for other texts. */
  readonly passAgainstOutputs: boolean;
}

export interface TextControlResult {
  readonly settings: {
    readonly model: string;
    readonly textStyle: string;
    readonly styleEncoder: string;
    readonly seeds: number;
    readonly seed: number;
  };
  readonly clips: readonly EvalClip[];
  readonly prompts: readonly PromptFigures[];
  readonly passed: number;
  /** Prompts with passAgainstOutputs. */
  readonly passedAgainstOutputs: number;
  /** Per output: prompt, clip, sample, file, cosine to every prompt (in prompts order). */
  readonly outputs: readonly {
    readonly prompt: string;
    readonly clip: string;
    readonly sample: number;
    readonly file: string;
    readonly cosines: readonly number[];
  }[];
  readonly elapsedSec: number;
}

/** Cosine differences below this are ties (identical outputs give equal means up to rounding): not a pass. */
const tieTolerance = 1e-6;

const safeName = (text: string) => text.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');

export async function evaluateTextControl(options: TextControlOptions): Promise<TextControlResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const prompts = options.prompts ?? defaultTextPrompts;
  if (prompts.length < 2) throw new V2meowError('BAD_ARGUMENT', 'the text check needs at least two prompts');
  const seeds = options.seeds ?? 3;
  if (!(Number.isInteger(seeds) && seeds >= 1))
    throw new V2meowError('BAD_ARGUMENT', `seeds must be a whole number >= 1, got ${seeds}`);
  const seed = options.seed ?? 0;
  const clips = await evaluationClips(options.filmsFolder ?? defaultFilmsFolder(), {
    ...options,
    maxClips: options.maxClips ?? 1,
  });
  progress(
    `${prompts.length} prompts x ${clips.length} clip(s) of ${clips[0]!.seconds} s x ${seeds} samples: ` +
      `${prompts.length * clips.length * seeds * clips[0]!.seconds} s of music to generate`,
  );
  const model =
    typeof options.model === 'string'
      ? await loadEvalModel(options.model, options.debugCodec, progress)
      : options.model;
  const musicnn = await MusicnnStyleEncoder.fromPretrained();
  try {
    const texts = prompts.map((p) => model.parts.textStyle.encode(p));
    const folder = join(options.outFolder, 'text');
    mkdirSync(folder, { recursive: true });
    const outputs: TextControlResult['outputs'][number][] = [];
    for (const [p, prompt] of prompts.entries())
      for (const clip of clips) {
        const result = await model.generate({
          video: clip.film,
          startSec: clip.startSec,
          seconds: clip.seconds,
          text: prompt,
          seed,
          candidates: seeds,
        });
        for (const [k, candidate] of result.candidates.entries()) {
          const file = join(folder, `${clip.name}-${safeName(prompt)}-${k}.wav`);
          await writeWav(file, candidate.waveform, audioSampleRateHz, { format: 'pcm16' });
          const style = clipStyleVector(musicnn, candidate.waveform);
          outputs.push({
            prompt,
            clip: clip.name,
            sample: k,
            file,
            cosines: texts.map((t) => cosineSimilarity(style, t.vector)),
          });
        }
        progress(
          `prompt ${p + 1}/${prompts.length} "${prompt}", ${clip.name}: ${result.timingsSec.total.toFixed(1)} s`,
        );
      }
    const figures = prompts.map((prompt, p): PromptFigures => {
      const own = outputs.filter((o) => o.prompt === prompt);
      const meanCos = prompts.map((_, q) => own.reduce((sum, o) => sum + o.cosines[q]!, 0) / own.length);
      const ownCos = meanCos[p]!;
      const othersCos = meanCos.reduce((sum, c, q) => (q === p ? sum : sum + c), 0) / (prompts.length - 1);
      const rest = outputs.filter((o) => o.prompt !== prompt);
      const otherOutputsCos = rest.reduce((sum, o) => sum + o.cosines[p]!, 0) / rest.length;
      return {
        prompt,
        tags: texts[p]!.tags,
        numOutputs: own.length,
        ownCos,
        othersCos,
        otherOutputsCos,
        rank: 1 + meanCos.filter((c, q) => q !== p && c > ownCos).length,
        pass: ownCos > othersCos + tieTolerance,
        passAgainstOutputs: ownCos > otherOutputsCos + tieTolerance,
      };
    });
    return {
      settings: {
        model: model.parts.name,
        textStyle: model.parts.textStyle.id,
        styleEncoder: musicnn.id,
        seeds,
        seed,
      },
      clips,
      prompts: figures,
      passed: figures.filter((f) => f.pass).length,
      passedAgainstOutputs: figures.filter((f) => f.passAgainstOutputs).length,
      outputs,
      elapsedSec: (performance.now() - started) / 1000,
    };
  } finally {
    musicnn.dispose();
    if (typeof options.model === 'string') model.dispose();
  }
}
