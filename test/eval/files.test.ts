// Folder listing and pairing (typed errors for missing, empty and unmatched folders), the content-keyed cache
// (record round trip, damaged records, content hashes) and the shuffle baseline's derangement.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import { contentHash, decodeRecord, EvalCache, encodeRecord, keyOf } from '../../src/eval/cache.js';
import { listMediaFiles, matchClips } from '../../src/eval/pairing.js';
import { derangement } from '../../src/eval/random.js';

const folder = mkdtempSync(join(tmpdir(), 'v2meow-eval-files-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function makeFolder(name: string, files: string[]): string {
  const path = join(folder, name);
  mkdirSync(path, { recursive: true });
  for (const file of files) writeFileSync(join(path, file), file);
  return path;
}

const hasCode = (code: string, text?: string) => (e: unknown) =>
  e instanceof V2meowError && e.code === code && (text === undefined || e.message.includes(text));

test('listMediaFiles: media files by name, others ignored; missing and empty folders are typed errors', () => {
  const path = makeFolder('list', ['b.mp3', 'a.wav', 'notes.txt', '.hidden.wav', 'a.LICENSE.txt']);
  assert.deepEqual([...listMediaFiles(path).keys()], ['a', 'b']);
  assert.throws(() => listMediaFiles(join(folder, 'nope')), hasCode('FILE_NOT_FOUND', 'nope'));
  assert.throws(() => listMediaFiles(makeFolder('empty', ['readme.md'])), hasCode('EMPTY_FOLDER', 'empty'));
  assert.throws(() => listMediaFiles(makeFolder('twice', ['x.wav', 'x.mp3'])), hasCode('CONFLICT', '"x"'));
});

test('matchClips pairs by name without extension; unmatched generated files or videos are typed errors', () => {
  const generated = makeFolder('gen', ['c1.wav', 'c2.wav']);
  const reference = makeFolder('ref', ['c1.mp3', 'c2.ogg', 'c3.ogg']);
  const { pairs, unusedReferences } = matchClips(generated, reference);
  assert.deepEqual(
    pairs.map((p) => [p.name, p.reference]),
    [
      ['c1', join(reference, 'c1.mp3')],
      ['c2', join(reference, 'c2.ogg')],
    ],
  );
  assert.deepEqual(unusedReferences, [join(reference, 'c3.ogg')]);
  const extra = makeFolder('gen-extra', ['c1.wav', 'zz.wav']);
  assert.throws(() => matchClips(extra, reference), hasCode('UNMATCHED_FILES', 'zz'));
  const videos = makeFolder('videos', ['c1.mp4']);
  assert.throws(() => matchClips(generated, reference, videos), hasCode('UNMATCHED_FILES', 'c2'));
  assert.equal(
    matchClips(makeFolder('gen1', ['c1.wav']), reference, videos).pairs[0]!.video,
    join(videos, 'c1.mp4'),
  );
});

test('cache records round-trip meta and float32/float64 arrays; damaged records are misses', async () => {
  const record = {
    meta: { beatsSec: [0.5, 1], name: 'x' },
    arrays: { a: Float32Array.from([1, 2, 3]), b: Float64Array.from([Math.PI]), empty: new Float32Array(0) },
  };
  const decoded = decodeRecord<typeof record.meta>(encodeRecord(record));
  assert.deepEqual(decoded.meta, record.meta);
  assert.deepEqual(decoded.arrays.a, record.arrays.a);
  assert.deepEqual(decoded.arrays.b, record.arrays.b);
  assert.equal(decoded.arrays.empty!.length, 0);
  assert.throws(() => decodeRecord(Buffer.from('nope')), hasCode('BAD_FORMAT'));
  const cache = new EvalCache(join(folder, 'cache'));
  assert.equal(cache.read('clip', 'k'), undefined);
  await cache.write('clip', 'k', record);
  assert.deepEqual(cache.read('clip', 'k')?.meta, record.meta);
  writeFileSync(join(folder, 'cache', 'clip-k.bin'), encodeRecord(record).subarray(0, 40));
  assert.equal(cache.read('clip', 'k'), undefined);
  const disabled = new EvalCache(null);
  await disabled.write('clip', 'k', record);
  assert.equal(disabled.read('clip', 'k'), undefined);
});

test('contentHash follows bytes, not names; keyOf is stable and order-sensitive', async () => {
  const a = join(folder, 'hash-a.wav');
  const b = join(folder, 'hash-b.wav');
  writeFileSync(a, 'same bytes');
  writeFileSync(b, 'same bytes');
  assert.equal(await contentHash(a), await contentHash(b));
  writeFileSync(b, 'other bytes');
  utimesSync(b, new Date(), new Date(Date.now() + 5000));
  assert.notEqual(await contentHash(a), await contentHash(b));
  assert.equal(keyOf({ x: 1 }), keyOf({ x: 1 }));
  assert.notEqual(keyOf([1, 2]), keyOf([2, 1]));
  await assert.rejects(contentHash(join(folder, 'missing.wav')), hasCode('FILE_NOT_FOUND'));
});

test('derangement: a permutation without fixed points, reproducible from its seed', () => {
  for (const n of [2, 3, 7, 50])
    for (const seed of [1, 2, 3]) {
      const mapping = derangement(n, seed);
      assert.deepEqual(
        [...mapping].sort((x, y) => x - y),
        Array.from({ length: n }, (_, i) => i),
      );
      assert.ok(mapping.every((j, i) => j !== i));
      assert.deepEqual(derangement(n, seed), mapping);
    }
  assert.throws(() => derangement(1, 1), RangeError);
});
