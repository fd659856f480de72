// The text side of the style space (MuLan's role in V2Meow, Su et al. 2024, sec. 3: stage 1 is trained with
// the audio style embedding of the music and generates from a text embedding in the same space). Free text
// -> tag weights (textStyleParse.ts: lexicon, negation, word vectors for other words) -> a 100-d vector that
// looks like an audio clip vector (clipStyle.ts): the weighted mean of the corpus clips whose standardised
// tag logits best match the weights (prototype lookup, stylePrototypes.ts), then, only when the named tags
// do not already stand out, the smallest logit shift along the weights that makes them stand out.
import { V2meowError } from '../errors.js';
import { defaultStyleDir, loadPrototypes, rowsOfSplit, type StylePrototypes } from './stylePrototypes.js';
import { type NearestEntry, parseStyleText, StyleLexicon } from './textStyleParse.js';
import { dot, loadWordVectors, type WordVectors } from './wordVectors.js';

/** One tag of a text style vector, ranked by how much it stands out. */
export interface RankedTag {
  /** `mtt:` / `msd:` label. */
  readonly label: string;
  /** The vector's value (a tag probability, as in an audio style vector). */
  readonly score: number;
  /** score / the tag's corpus-mean probability. */
  readonly lift: number;
}

/** What a text encodes to. */
export interface TextStyle {
  /** [dim] style vector (tag probabilities). */
  readonly vector: Float32Array;
  /** All tags, by lift (descending). */
  readonly tags: RankedTag[];
  /** Understood phrases and the tags they mapped to. */
  readonly matched: string[];
  /** Words that were not understood (stop words excluded). */
  readonly unknownWords: string[];
}

export interface TextStyleOptions {
  /** Folder of prototypes.{json,f16} and words.{json,i8} (default: the package's weights/style). */
  readonly dir?: string;
  /** Load the word-vector table (default true); without it only lexicon words are understood. */
  readonly wordVectors?: boolean;
  /** Cosine similarity below which a word outside the lexicon counts as unknown (default 0.7). */
  readonly wordThreshold?: number;
  /** Corpus clips averaged per text (default 24). */
  readonly neighbours?: number;
  /** Softmax temperature over the clips' match scores, in standard deviations (default 0.5). */
  readonly temperature?: number;
  /** Largest logit shift per unit weight (default 4). */
  readonly maxShift?: number;
}

const epsilon = 1e-4;
const logit = (p: number) => {
  const q = Math.min(1 - epsilon, Math.max(epsilon, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Maps free text into the MusiCNN MTT + MSD style space (100-d). Cheap: no network weights. */
export class TextStyleEncoder {
  readonly id = 'text-style-lexicon-glove-prototypes';
  readonly dim: number;
  readonly labels: readonly string[];
  readonly lexicon: StyleLexicon;
  /** [dim] mean of the train clips' vectors. */
  readonly corpusMean: Float32Array;
  private readonly train: number[];
  /** [train.length * dim] standardised logits of the train clips. */
  private readonly z: Float32Array;
  private readonly keyVectors: { key: string; vector: Float32Array }[] = [];
  private readonly options: Required<Omit<TextStyleOptions, 'dir' | 'wordVectors'>>;

  constructor(
    readonly prototypes: StylePrototypes,
    readonly words?: WordVectors,
    options: TextStyleOptions = {},
  ) {
    this.options = {
      wordThreshold: options.wordThreshold ?? 0.7,
      neighbours: options.neighbours ?? 24,
      temperature: options.temperature ?? 0.5,
      maxShift: options.maxShift ?? 4,
    };
    const dim = prototypes.dim;
    this.dim = dim;
    this.labels = prototypes.labels;
    this.lexicon = new StyleLexicon(this.labels);
    this.train = rowsOfSplit(prototypes, 'train');
    if (this.train.length === 0)
      throw new V2meowError('EMPTY_CORPUS', 'style prototype table has no train clips');
    const { vectors } = prototypes;
    this.corpusMean = new Float32Array(dim);
    const mean = new Float64Array(dim);
    const square = new Float64Array(dim);
    for (const row of this.train)
      for (let t = 0; t < dim; t++) {
        const p = vectors[row * dim + t]!;
        const l = logit(p);
        this.corpusMean[t]! += p / this.train.length;
        mean[t]! += l / this.train.length;
        square[t]! += (l * l) / this.train.length;
      }
    this.z = new Float32Array(this.train.length * dim);
    this.train.forEach((row, k) => {
      for (let t = 0; t < dim; t++) {
        const sd = Math.sqrt(Math.max(square[t]! - mean[t]! ** 2, 1e-6));
        this.z[k * dim + t] = (logit(vectors[row * dim + t]!) - mean[t]!) / sd;
      }
    });
    if (words)
      // Single-word entries only: mean vectors of phrases ("man singing") drew unrelated words.
      for (const key of this.lexicon.entries.keys()) {
        const vector = key.includes(' ') ? undefined : words.vector(key);
        if (vector) this.keyVectors.push({ key, vector });
      }
  }

  /** The committed table (weights/style) or `options.dir`. */
  static load(options: TextStyleOptions = {}): TextStyleEncoder {
    const dir = options.dir ?? defaultStyleDir();
    const words = options.wordVectors === false ? undefined : loadWordVectors(dir);
    return new TextStyleEncoder(loadPrototypes(dir), words, options);
  }

  /** The lexicon entry nearest to a word outside the lexicon, when similar enough. */
  nearestEntry(word: string): NearestEntry | undefined {
    const v = this.words?.vector(word);
    if (!v) return undefined;
    let best: NearestEntry | undefined;
    for (const { key, vector } of this.keyVectors) {
      const similarity = dot(v, vector);
      if (!best || similarity > best.similarity) best = { key, similarity };
    }
    return best && best.similarity >= this.options.wordThreshold ? best : undefined;
  }

  /**
   * Encodes `text`. Throws V2meowError BAD_ARGUMENT for empty text and for text in which no word was
   * understood (naming the unknown words).
   */
  encode(text: string): TextStyle {
    if (text.trim() === '') throw new V2meowError('BAD_ARGUMENT', 'style text is empty');
    const parsed = parseStyleText(text, this.lexicon, (word) => this.nearestEntry(word));
    if (parsed.matched.length === 0 || parsed.weights.every((w) => w === 0)) {
      const unknown = parsed.unknownWords.length
        ? `unknown words: ${parsed.unknownWords.join(', ')}`
        : 'it has no style words';
      throw new V2meowError('BAD_ARGUMENT', `no style understood in "${text.trim()}" (${unknown})`);
    }
    const vector = this.vectorFromWeights(parsed.weights, parsed.primary);
    return {
      vector,
      tags: this.rank(vector),
      matched: parsed.matched,
      unknownWords: parsed.unknownWords,
    };
  }

  /** Tags of `vector` by lift over the corpus mean. */
  rank(vector: Float32Array): RankedTag[] {
    return Array.from(vector, (score, t) => ({
      label: this.labels[t]!,
      score,
      lift: score / Math.max(this.corpusMean[t]!, epsilon),
    })).sort((a, b) => b.lift - a.lift);
  }

  /** Weighted mean of the train clips that best match `weights` (the prototype lookup), [dim]. */
  lookup(weights: Float32Array): Float32Array {
    const { dim } = this;
    const norm = weights.reduce((sum, w) => sum + Math.abs(w), 0);
    const scores = this.train.map((_, k) => {
      let s = 0;
      for (let t = 0; t < dim; t++) if (weights[t]) s += weights[t]! * this.z[k * dim + t]!;
      return s / norm;
    });
    const order = scores
      .map((_, k) => k)
      .sort((a, b) => scores[b]! - scores[a]!)
      .slice(0, this.options.neighbours);
    const best = scores[order[0]!]!;
    const mix = order.map((k) => Math.exp((scores[k]! - best) / this.options.temperature));
    const total = mix.reduce((a, b) => a + b, 0);
    const out = new Float32Array(dim);
    order.forEach((k, j) => {
      const row = this.train[k]!;
      for (let t = 0; t < dim; t++) out[t]! += (mix[j]! / total) * this.prototypes.vectors[row * dim + t]!;
    });
    return out;
  }

  /**
   * The style vector for tag weights: lookup(), then the smallest logit shift `delta` of the phrases' primary
   * tags (steps of 0.25 up to maxShift) after which the most-lifted tag is a primary one and all primary
   * tags rank within the top max(3, their count + 1) by lift; negatively weighted tags shift down by
   * max(delta, 1) x weight / max |weight|.
   */
  vectorFromWeights(weights: Float32Array, primary: readonly (readonly number[])[] = []): Float32Array {
    const maxAbs = Math.max(...weights.map(Math.abs));
    const shifted = new Set(primary.flat());
    const base = Array.from(this.lookup(weights), logit);
    const within = Math.max(3, shifted.size + 1);
    let vector = new Float32Array(this.dim);
    for (let delta = 0; delta <= this.options.maxShift + 1e-9; delta += 0.25) {
      vector = Float32Array.from(base, (l, t) => {
        const w = weights[t]! / maxAbs;
        if (w < 0) return sigmoid(l + Math.max(delta, 1) * w);
        return sigmoid(shifted.has(t) ? l + delta : l);
      });
      if (shifted.size === 0) break;
      const order = this.rank(vector).map((tag) => this.labels.indexOf(tag.label));
      const top = new Set(order.slice(0, within));
      if (shifted.has(order[0]!) && [...shifted].every((t) => top.has(t))) break;
    }
    return vector;
  }
}
