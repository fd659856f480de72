// Text -> weights on the style space's 100 tags: normalisation (case, spelling, "r&b", "rock'n'roll",
// "80's"), longest-phrase matching against the lexicon (styleLexicon.ts + the tag names), negation ("no X",
// "without X or Y" lowers X's tags), intensifiers ("very", "slightly"), tempo in bpm and years, and an
// optional nearest-entry lookup for words outside the lexicon (word vectors, textStyle.ts).
import {
  conjunctions,
  instrumentalWeights,
  intensifiers,
  negationWords,
  phraseLexicon,
  stopWords,
  vocalTagNames,
} from './styleLexicon.js';

/** Lower case, unified apostrophes and joiners, letters/digits/spaces only. */
export function normalizeText(text: string): string {
  return ` ${text.toLowerCase()} `
    .replace(/[\u2018\u2019\u00b4`]/g, "'")
    .replace(/&/g, ' and ')
    .replace(/\bw\/o\b/g, ' without ')
    .replace(/\s*'n'\s*/g, ' and ')
    .replace(/\b(\d0)'s\b/g, '$1s')
    .replace(/[-_/+]/g, ' ')
    .replace(/'/g, '')
    .replace(/[^a-z0-9 ]/g, ' ')
    .replace(/ n /g, ' and ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The tag name of a label: `msd:Hip-Hop` -> `Hip-Hop`. */
function nameOf(label: string): string {
  return label.slice(label.indexOf(':') + 1);
}

/** Tag weights by label index. */
export type TagWeights = Map<number, number>;

/** The lexicon compiled against the label list: normalised phrase -> tag weights. */
export class StyleLexicon {
  readonly entries = new Map<string, TagWeights>();
  /** Longest phrase, in words. */
  readonly maxPhraseWords: number;
  private readonly byName = new Map<string, number[]>();

  constructor(readonly labels: readonly string[]) {
    labels.forEach((label, i) => {
      const name = normalizeText(nameOf(label));
      this.byName.set(name, [...(this.byName.get(name) ?? []), i]);
    });
    for (const [phrase, spec] of Object.entries(phraseLexicon))
      this.entries.set(normalizeText(phrase), this.parseSpec(spec, phrase));
    // A tag's own name means that tag first: weight 1 on it, its lexicon companions at most 0.8.
    for (const [name, indices] of this.byName) {
      const weights: TagWeights = new Map();
      for (const [i, w] of this.entries.get(name) ?? []) weights.set(i, Math.min(w, 0.8));
      for (const i of indices) weights.set(i, 1);
      this.entries.set(name, weights);
    }
    this.maxPhraseWords = Math.max(...[...this.entries.keys()].map((key) => key.split(' ').length));
  }

  /** Parses `TAG [WEIGHT], ...`; an unknown tag is a programming error (thrown). */
  parseSpec(spec: string, phrase = spec): TagWeights {
    const weights: TagWeights = new Map();
    for (const part of spec.split(',')) {
      const match = /^\s*(.*?)(?:\s+(-?\d*\.?\d+))?\s*$/.exec(part)!;
      const ref = match[1]!;
      const weight = match[2] === undefined ? 1 : Number(match[2]);
      const exact = this.labels.findIndex((label) => label.toLowerCase() === ref.toLowerCase());
      const indices = exact >= 0 ? [exact] : this.byName.get(normalizeText(ref));
      if (!indices) throw new Error(`style lexicon: '${phrase}' names unknown tag '${ref}'`);
      for (const i of indices) weights.set(i, (weights.get(i) ?? 0) + weight);
    }
    return weights;
  }

  /** Index list of the labels named `name` (normalised). */
  labelsNamed(name: string): readonly number[] {
    return this.byName.get(normalizeText(name)) ?? [];
  }
}

/** Every word of the lexicon's phrases and of the tag names (for the word-vector table). */
export function lexiconWords(labels: readonly string[]): Set<string> {
  const lexicon = new StyleLexicon(labels);
  const words = new Set<string>();
  for (const key of lexicon.entries.keys()) for (const word of key.split(' ')) words.add(word);
  return words;
}

/** A lexicon entry reached from a word outside the lexicon. */
export interface NearestEntry {
  /** The lexicon key. */
  readonly key: string;
  /** Cosine similarity of the two words' vectors. */
  readonly similarity: number;
}

/** The result of parsing: summed tag weights and what was (not) understood. */
export interface ParsedStyleText {
  /** [labels.length] summed weights (negative: less of). */
  readonly weights: Float32Array;
  /** Human-readable: each understood phrase and the tags it mapped to. */
  readonly matched: string[];
  /** Words that were neither stop words nor understood. */
  readonly unknownWords: string[];
  /** Per understood (not negated) phrase, the label indices it weighs most. */
  readonly primary: number[][];
}

/** Tempo and year numbers: "140 bpm", "1985". */
function numberEntry(tokens: readonly string[], i: number): { key: string; used: number } | undefined {
  const token = tokens[i]!;
  if (!/^\d+$/.test(token)) return undefined;
  const value = Number(token);
  if (tokens[i + 1] === 'bpm')
    return { key: value >= 120 ? 'fast' : value <= 95 ? 'slow' : 'danceable', used: 2 };
  if (value >= 1950 && value < 2030) {
    const decade = Math.floor(value / 10) * 10;
    return { key: decade < 1960 ? 'old' : decade >= 2000 ? '00s' : `${decade % 100}s`, used: 1 };
  }
  return undefined;
}

/**
 * Parses free text into tag weights. `nearest` maps a word outside the lexicon to an entry (or undefined:
 * the word is unknown).
 */
export function parseStyleText(
  text: string,
  lexicon: StyleLexicon,
  nearest?: (word: string) => NearestEntry | undefined,
): ParsedStyleText {
  const tokens = normalizeText(text).split(' ').filter(Boolean);
  const weights = new Float32Array(lexicon.labels.length);
  const matched: string[] = [];
  const unknownWords: string[] = [];
  const primary: number[][] = [];
  const instrumental = lexicon.parseSpec(instrumentalWeights);
  const vocalLabels = new Set([...vocalTagNames].flatMap((name) => lexicon.labelsNamed(name)));
  let negate = false;
  let scale = 1;
  let carryNegation = false;

  const apply = (phrase: string, entry: TagWeights, via = '') => {
    const sign = negate ? -1 : 1;
    for (const [i, w] of entry) weights[i]! += sign * scale * w;
    const peak = Math.max(...entry.values());
    if (!negate && peak > 0) primary.push([...entry].filter(([, w]) => w === peak).map(([i]) => i));
    let mentionsVocals = false;
    for (const [i, w] of entry) if (w > 0 && vocalLabels.has(i)) mentionsVocals = true;
    if (negate && mentionsVocals) for (const [i, w] of instrumental) weights[i]! += scale * w;
    const shown = [...entry]
      .filter(([, w]) => w > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([i]) => nameOf(lexicon.labels[i]!))
      .filter((name, k, all) => all.indexOf(name) === k)
      .slice(0, 5)
      .map((name) => (negate ? `-${name}` : name));
    const scaleText = scale === 1 ? '' : ` (x${scale})`;
    matched.push(`${negate ? 'no ' : ''}"${phrase}"${via}${scaleText} -> ${shown.join(', ')}`);
    carryNegation = negate || negationWords.has(phrase.split(' ')[0]!);
    negate = false;
    scale = 1;
  };

  for (let i = 0; i < tokens.length; ) {
    let found = false;
    for (let n = Math.min(lexicon.maxPhraseWords, tokens.length - i); n >= 1 && !found; n--) {
      const phrase = tokens.slice(i, i + n).join(' ');
      const entry = lexicon.entries.get(phrase);
      if (entry && !(n === 1 && (negationWords.has(phrase) || phrase in intensifiers))) {
        apply(phrase, entry);
        i += n;
        found = true;
      }
    }
    if (found) continue;
    const token = tokens[i]!;
    const number = numberEntry(tokens, i);
    if (number) {
      apply(tokens.slice(i, i + number.used).join(' '), lexicon.entries.get(number.key)!);
      i += number.used;
      continue;
    }
    i++;
    if (negationWords.has(token)) {
      negate = true;
      continue;
    }
    if (token in intensifiers) {
      scale *= intensifiers[token]!;
      continue;
    }
    if (conjunctions.has(token)) {
      if (carryNegation) negate = true;
      continue;
    }
    if (stopWords.has(token) || /^\d+$/.test(token)) continue;
    const singular = token.endsWith('s') ? lexicon.entries.get(token.slice(0, -1)) : undefined;
    if (singular) {
      apply(token, singular);
      continue;
    }
    const near = nearest?.(token);
    if (near) {
      apply(token, lexicon.entries.get(near.key)!, ` ~ "${near.key}" (${near.similarity.toFixed(2)})`);
      continue;
    }
    unknownWords.push(token);
    carryNegation = false;
  }
  return { weights, matched, unknownWords, primary };
}
