// Sampling from the stages as small composable parts (whisper's LogitFilter / TokenDecoder, transformers.js's
// logits processors): logits processors that each take logits [rows, V] and return new logits, classifier-free
// guidance that folds 2N rows (conditional, then unconditional) into N, and a sampler that draws one token per
// row with a seeded generator of its own. The mutable part of a generation (KV caches, generators, steps) lives
// in an explicit GenerationState, apart from the weights.
// V2Meow (section 4): temperature sampling at 1.0 / 0.95 / 0.4 for stages 1 / 2 / 3; CFG as in MusicGen.
import { full, type Tensor, tensor, where } from '../torch/index.js';
import type { DecoderCache } from '../torch/nn/index.js';
import { createRandom, mixSeed, type RandomSource } from '../util/random.js';

/** Logits [rows, V] -> logits [rows, V]; -Infinity removes a token. */
export type LogitsProcessor = (logits: Tensor) => Tensor;

/** Default sampling temperature of each stage (paper, section 4). */
export const defaultTemperatures = { stage1: 1.0, stage2: 0.95, stage3: 0.4 } as const;

/** Divides logits by t; t = 0 keeps only each row's largest logit (greedy). */
export function temperature(t: number): LogitsProcessor {
  if (!(t >= 0)) throw new Error(`temperature must be >= 0, got ${t}`);
  if (t === 0)
    return (logits) => logits.maskedFill(logits.lt(logits.maxDim(-1, true)[0]), Number.NEGATIVE_INFINITY);
  return t === 1 ? (logits) => logits : (logits) => logits.div(t);
}

/** Keeps the k largest logits of each row. */
export function topK(k: number): LogitsProcessor {
  if (!(k >= 1) || !Number.isInteger(k)) throw new Error(`top-k must be a whole number >= 1, got ${k}`);
  return (logits) => {
    if (k >= logits.size(-1)) return logits;
    const kth = logits.topk(k, -1)[0].narrow(-1, k - 1, 1);
    return logits.maskedFill(logits.lt(kth), Number.NEGATIVE_INFINITY);
  };
}

/** Nucleus sampling: keeps the smallest set of most likely tokens whose probabilities sum to at least p. */
export function topP(p: number): LogitsProcessor {
  if (!(p > 0 && p <= 1)) throw new Error(`top-p must be in (0, 1], got ${p}`);
  return (logits) => {
    if (p === 1) return logits;
    const [sorted, order] = logits.sort(-1, true);
    const probs = sorted.softmax(-1);
    // a token goes when the tokens before it already reach p (the most likely one always stays)
    const before = probs.cumsum(-1).sub(probs);
    const dropSorted = before.ge(p);
    const drop = full(logits.shape, 0, { dtype: 'bool' }).scatter(-1, order, dropSorted);
    return logits.maskedFill(drop, Number.NEGATIVE_INFINITY);
  };
}

/** Never samples the given ids (e.g. the codec's silence token, which absorbs sampling once drawn). */
export function suppressTokens(ids: readonly number[]): LogitsProcessor {
  return (logits) => {
    const v = logits.size(-1);
    const mask = new Uint8Array(v);
    for (const id of ids) if (id >= 0 && id < v) mask[id] = 1;
    return logits.maskedFill(tensor(mask, [v], { dtype: 'bool' }), Number.NEGATIVE_INFINITY);
  };
}

/**
 * Classifier-free guidance: logits [2N, V] holding N conditional rows then their N unconditional rows ->
 * [N, V] = uncond + scale x (cond - uncond). scale 1 is the conditional model, 0 the unconditional one.
 */
export function guide(logits: Tensor, scale: number): Tensor {
  const rows = logits.size(0);
  if (rows % 2 !== 0) throw new Error(`guidance needs 2N rows (conditional, unconditional), got ${rows}`);
  const cond = logits.narrow(0, 0, rows / 2);
  const uncond = logits.narrow(0, rows / 2, rows / 2);
  // -inf - -inf is NaN: a token removed in either half stays removed
  const mixed = uncond.add(cond.sub(uncond).mul(scale));
  return where(mixed.isnan(), Number.NEGATIVE_INFINITY, mixed);
}

/** What a generation is sampled with. */
export interface SamplingOptions {
  /** Temperature (0 = greedy). Default: the stage's. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens. */
  readonly topK?: number;
  /** Keep the most likely tokens up to probability p. */
  readonly topP?: number;
  /** Ids never sampled. */
  readonly suppress?: readonly number[];
  /**
   * Codec codes never sampled, per level (index = the stage's level 0, 1, ...): a stage that writes codec
   * levels (stages 2 and 3) applies them, e.g. the codes that decode to near-silence (`v2meow codec quiet-codes`),
   * which absorb sampling once drawn. Ignored by stage 1.
   */
  readonly suppressPerLevel?: readonly (readonly number[])[];
  /** Classifier-free guidance scale (> 1 strengthens the conditions); null / undefined: no guidance rows. */
  readonly guidanceScale?: number | null;
  /** More processors, applied after the ones above. */
  readonly processors?: readonly LogitsProcessor[];
}

/** Draws tokens from logits through a list of processors, each row with its own seeded generator. */
export class Sampler {
  constructor(
    readonly processors: readonly LogitsProcessor[],
    /** CFG scale; null when the logits have no unconditional rows. */
    readonly guidanceScale: number | null = null,
    /** Codes never sampled per codec level (applied by the stage that knows each row's level). */
    readonly suppressPerLevel: readonly (readonly number[])[] = [],
  ) {}

  /** The usual chain: suppress, temperature, top-k, top-p, then `processors`. */
  static from(o: SamplingOptions, defaultTemperature: number): Sampler {
    const chain: LogitsProcessor[] = [];
    if (o.suppress?.length) chain.push(suppressTokens(o.suppress));
    chain.push(temperature(o.temperature ?? defaultTemperature));
    if (o.topK !== undefined) chain.push(topK(o.topK));
    if (o.topP !== undefined) chain.push(topP(o.topP));
    chain.push(...(o.processors ?? []));
    return new Sampler(chain, o.guidanceScale ?? null, o.suppressPerLevel ?? []);
  }

  /**
   * A bool mask [levels, codebookSize] of the codes suppressPerLevel removes (levels past the list keep every
   * code), or null when it removes none. Codes must be in 0..codebookSize-1.
   */
  levelMask(levels: number, codebookSize: number): Tensor | null {
    if (!this.suppressPerLevel.some((ids) => ids.length > 0)) return null;
    if (this.suppressPerLevel.length > levels)
      throw new Error(
        `suppressPerLevel lists ${this.suppressPerLevel.length} levels, the stage writes ${levels}`,
      );
    const mask = new Uint8Array(levels * codebookSize);
    this.suppressPerLevel.forEach((ids, level) => {
      for (const id of ids) {
        if (!(Number.isInteger(id) && id >= 0 && id < codebookSize))
          throw new Error(`suppressPerLevel[${level}]: code ${id} is not in 0..${codebookSize - 1}`);
        mask[level * codebookSize + id] = 1;
      }
    });
    return tensor(mask, [levels, codebookSize], { dtype: 'bool' });
  }

  get guided(): boolean {
    return this.guidanceScale !== null;
  }

  /** Logits after guidance and every processor: [rows, V] float32. */
  process(logits: Tensor): Tensor {
    let out = logits.float();
    if (this.guidanceScale !== null) out = guide(out, this.guidanceScale);
    for (const p of this.processors) out = p(out);
    return out;
  }

  /**
   * One token per row of logits [R, V] (R = 2N rows with guidance, N after it). Row r draws from
   * generators[floor(r / rowsPerGenerator)], so a candidate's tokens depend on its own seed, not on the batch.
   * Returns the ids and the probability each had (the confidence masked decoding keeps tokens by).
   */
  sample(
    logits: Tensor,
    generators: readonly RandomSource[],
    rowsPerGenerator = 1,
  ): { ids: Int32Array; probabilities: Float32Array } {
    const probs = this.process(logits).softmax(-1);
    const [rows, v] = probs.shape as [number, number];
    if (rows !== generators.length * rowsPerGenerator) {
      throw new Error(`sampler: ${rows} rows for ${generators.length} generators x ${rowsPerGenerator}`);
    }
    const p = probs.toFloat32Array();
    const ids = new Int32Array(rows);
    const probabilities = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const u = generators[Math.floor(r / rowsPerGenerator)]!();
      const row = p.subarray(r * v, (r + 1) * v);
      let total = 0;
      for (let i = 0; i < v; i++) total += row[i]!;
      let target = u * total;
      let pick = -1;
      for (let i = 0; i < v; i++) {
        const w = row[i]!;
        if (w > 0) {
          pick = i;
          target -= w;
          if (target < 0) break;
        }
      }
      if (pick < 0) throw new Error('sampler: every token of a row was removed');
      ids[r] = pick;
      probabilities[r] = row[pick]! / total;
    }
    return { ids, probabilities };
  }
}

/**
 * The mutable part of one generation: a seeded generator per output row (candidate) and the KV caches the
 * stage opened. Row r's generator is seeded from (seed, r), so the same seed gives the same tokens whatever
 * else is in the batch. dispose() frees the caches.
 */
export class GenerationState {
  readonly generators: RandomSource[];
  readonly caches: DecoderCache[] = [];
  /** Decoding steps (or parallel passes) run so far. */
  steps = 0;
  constructor(
    readonly seed: number,
    readonly rows: number,
  ) {
    this.generators = Array.from({ length: rows }, (_, r) => createRandom(mixSeed(seed, `row ${r}`)));
  }
  /** Registers a cache to be freed with this state; returns it. */
  open<C extends DecoderCache>(cache: C): C {
    this.caches.push(cache);
    return cache;
  }
  dispose(): void {
    for (const c of this.caches.splice(0)) c.dispose();
  }
}

/** Options every stage's generate() takes. */
export interface GenerateOptions extends SamplingOptions {
  /** Seed of the generators (default 0); ignored when `state` is given. */
  readonly seed?: number;
  /** Candidates per condition row, sampled in one batch (default 1). */
  readonly candidates?: number;
  /** A state to run in (its rows must be conditions x candidates); default: a fresh one, freed at the end. */
  readonly state?: GenerationState;
  /** Called after each decoding step with (done, total). */
  readonly onStep?: (done: number, total: number) => void;
}

/** Runs fn with the given state, or with a fresh one that is disposed afterwards. */
export function withState<R>(o: GenerateOptions, rows: number, fn: (state: GenerationState) => R): R {
  if (o.state) {
    if (o.state.rows !== rows)
      throw new Error(`generation state has ${o.state.rows} rows, the call needs ${rows}`);
    return fn(o.state);
  }
  const state = new GenerationState(o.seed ?? 0, rows);
  try {
    return fn(state);
  } finally {
    state.dispose();
  }
}
