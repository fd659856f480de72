// The text side of the style space (src/encoders/textStyle.ts) on the committed tables in weights/style:
// every tag name stands out in its own vector, known phrases reach relevant tags, negation lowers tags,
// unknown-only and empty text are errors naming the words, and `v2meow style --json` has its shape.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { styleLabels } from '../../src/encoders/styleLabels.js';
import { loadPrototypes, savePrototypes } from '../../src/encoders/stylePrototypes.js';
import { TextStyleEncoder } from '../../src/encoders/textStyle.js';
import { normalizeText, parseStyleText, StyleLexicon } from '../../src/encoders/textStyleParse.js';
import { V2meowError } from '../../src/errors.js';
import { decodeFloat16, encodeFloat16 } from '../../src/util/float16.js';
import { repoRoot } from '../helpers.js';

const encoder = TextStyleEncoder.load();
const nameOf = (label: string) => label.slice(label.indexOf(':') + 1);
const folder = mkdtempSync(join(tmpdir(), 'v2meow-style-'));
after(() => rmSync(folder, { recursive: true, force: true }));

test('the prototype table is in the MusiCNN label order and holds probability vectors', () => {
  assert.deepEqual([...encoder.labels], styleLabels());
  assert.equal(encoder.dim, 100);
  const { vectors, rows } = encoder.prototypes;
  assert.ok(rows.length >= 100, `${rows.length} clips`);
  assert.ok(vectors.every((v) => v >= 0 && v <= 1));
  assert.ok(rows.some((r) => r.split === 'train') && rows.some((r) => r.split !== 'train'));
});

test('each of the 100 tag names: that tag has the largest lift over the corpus mean and ranks top 3', () => {
  const failures: string[] = [];
  for (const label of encoder.labels) {
    const style = encoder.encode(nameOf(label));
    const top3 = style.tags.slice(0, 3).map((t) => t.label);
    // Names shared by an MTT and an MSD tag (rock, guitar, ...) name both: either may come first.
    if (nameOf(style.tags[0]!.label) !== nameOf(label) || !top3.includes(label))
      failures.push(`${label}: ${top3.join(', ')}`);
  }
  assert.deepEqual(failures, []);
});

test('phrases reach a relevant tag among their top 3', () => {
  const expected: Record<string, string[]> = {
    'drum and bass': ['electronic', 'electronica', 'electro', 'techno', 'beats', 'dance', 'House'],
    'calm piano': ['piano', 'quiet', 'soft', 'Mellow', 'chill', 'chillout', 'classical'],
    'heavy metal guitar': ['heavy metal', 'metal', 'hard rock', 'guitar'],
    'orchestral film score': ['classical', 'strings', 'violin', 'cello'],
    '80s synth pop': ['80s', 'synth', 'pop'],
    'calm acoustic guitar': ['acoustic', 'guitar', 'quiet', 'soft', 'Mellow'],
    'female singer, jazz': ['jazz', 'female vocalists', 'female vocalist', 'female vocal', 'female voice'],
  };
  for (const [text, names] of Object.entries(expected)) {
    const top3 = encoder.encode(text).tags.slice(0, 3);
    assert.ok(
      top3.some((t) => names.includes(nameOf(t.label))),
      `${text}: ${top3.map((t) => t.label).join(', ')}`,
    );
  }
});

test('negation lowers the negated tags below their un-negated value and the corpus mean', () => {
  const index = (label: string) => encoder.labels.indexOf(label);
  const rock = encoder.encode('rock').vector;
  const noGuitar = encoder.encode('rock without guitar').vector;
  for (const label of ['mtt:guitar', 'msd:guitar']) {
    assert.ok(noGuitar[index(label)]! < rock[index(label)]!, label);
    assert.ok(noGuitar[index(label)]! < encoder.corpusMean[index(label)]!, label);
  }
  const plain = encoder.encode('electronic dance');
  const instrumental = encoder.encode('electronic dance, no vocals or drums');
  for (const label of ['mtt:vocals', 'mtt:vocal', 'mtt:drums'])
    assert.ok(instrumental.vector[index(label)]! < plain.vector[index(label)]!, label);
  assert.ok(instrumental.vector[index('mtt:no vocals')]! > plain.vector[index('mtt:no vocals')]!);
  assert.ok(
    instrumental.matched.some((m) => m.includes('no "drums"')),
    instrumental.matched.join('; '),
  );
});

test('unknown-only text is an error naming the words; empty text is an error', () => {
  assert.throws(
    () => encoder.encode('the zxqv of blorp'),
    (error: unknown) =>
      error instanceof V2meowError &&
      error.code === 'BAD_ARGUMENT' &&
      error.message.includes('zxqv') &&
      error.message.includes('blorp'),
  );
  assert.throws(() => encoder.encode('   '), /empty/);
  const partial = encoder.encode('calm zxqv piano');
  assert.deepEqual(partial.unknownWords, ['zxqv']);
});

test('words outside the lexicon reach their nearest entry through the word vectors', () => {
  const word = 'mournful';
  assert.equal(encoder.lexicon.entries.has(word), false);
  const near = encoder.nearestEntry(word);
  assert.ok(near, 'no entry near "mournful"');
  assert.ok(['sad', 'melancholy', 'melancholic', 'somber', 'gloomy'].includes(near.key), near.key);
  for (const unrelated of ['bicycle', 'car', 'politics', 'cat'])
    assert.equal(encoder.nearestEntry(unrelated), undefined, unrelated);
  const withoutVectors = TextStyleEncoder.load({ wordVectors: false });
  assert.throws(() => withoutVectors.encode(word), /mournful/);
});

test('text vectors look like audio vectors: probabilities near the corpus range, deterministic', () => {
  const a = encoder.encode('upbeat happy pop with female vocals');
  const b = encoder.encode('upbeat happy pop with female vocals');
  assert.deepEqual(a.vector, b.vector);
  assert.equal(a.vector.length, 100);
  assert.ok(a.vector.every((v) => v > 0 && v < 1));
  assert.equal(a.tags.length, 100);
  for (let i = 1; i < a.tags.length; i++) assert.ok(a.tags[i - 1]!.lift >= a.tags[i]!.lift);
});

test('parsing: spelling variants, negation over "or", intensifiers, bpm and years', () => {
  assert.equal(
    normalizeText("R&B, Rock'n'Roll, 80's hip-hop w/o vocals"),
    'r and b rock and roll 80s hip hop without vocals',
  );
  const lexicon = new StyleLexicon(encoder.labels);
  const index = (label: string) => encoder.labels.indexOf(label);
  const negated = parseStyleText('no guitar or piano', lexicon);
  assert.ok(negated.weights[index('mtt:guitar')]! < 0 && negated.weights[index('mtt:piano')]! < 0);
  const very = parseStyleText('very sad', lexicon).weights[index('msd:sad')]!;
  assert.equal(very, 1.5 * parseStyleText('sad', lexicon).weights[index('msd:sad')]!);
  assert.ok(parseStyleText('140 bpm', lexicon).weights[index('mtt:fast')]! > 0);
  assert.ok(parseStyleText('70 bpm', lexicon).weights[index('mtt:slow')]! > 0);
  assert.ok(parseStyleText('music from 1985', lexicon).weights[index('msd:80s')]! > 0);
  assert.ok(parseStyleText('hiphop', lexicon).weights[index('msd:Hip-Hop')]! > 0);
});

test('float16 and the prototype table round-trip; a wrong version is refused', async () => {
  const values = Float32Array.from([0, 1e-5, 0.1234, 0.5, 0.99, 1]);
  const back = decodeFloat16(encodeFloat16(values));
  values.forEach((v, i) => {
    assert.ok(Math.abs(back[i]! - v) <= Math.max(v * 1e-3, 1e-7), `${v} ${back[i]}`);
  });
  const table = loadPrototypes();
  await savePrototypes(folder, table);
  const reread = loadPrototypes(folder);
  assert.deepEqual(reread.vectors, table.vectors);
  assert.deepEqual(reread.rows, table.rows);
  await savePrototypes(folder, { ...table, version: 99 });
  assert.throws(() => loadPrototypes(folder), /version 99/);
});

const bin = join(repoRoot, 'bin', 'v2meow.js');
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('v2meow style --json prints the vector, ranked tags, matched and unknown words', () => {
  const result = run(['style', 'calm piano with a flibbertigibbet', '--json']);
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.equal(out.dim, 100);
  assert.equal(out.vector.length, 100);
  assert.equal(out.labels.length, 100);
  assert.equal(out.tags.length, 100);
  assert.deepEqual(Object.keys(out.tags[0]).sort(), ['label', 'lift', 'score']);
  assert.ok(out.matched.length >= 2);
  assert.deepEqual(out.unknownWords, ['flibbertigibbet']);
  const unknown = run(['style', 'zxqv blorp']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /zxqv, blorp/);
  assert.equal(run(['style', '']).status, 2);
});
