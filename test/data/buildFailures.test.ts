// Failed corpus builds and hostile corpus indexes (issue 16): a build that cannot succeed leaves no staging,
// licenses or empty output folder behind and never touches a previous corpus; an index whose shard paths
// leave the corpus folder, or that is not an object, is refused naming index.json; codec eval on an empty split
// is an error.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildCorpus } from '../../src/data/corpusBuilder.js';
import { readCorpusIndex } from '../../src/data/corpusFormat.js';
import { V2meowError } from '../../src/errors.js';
import { evaluateCodecs } from '../../src/eval/codecEval.js';
import { encodeWav } from '../../src/media/index.js';

const rate = 8000;
let root: string;
let sources: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'v2meow-build-failures-'));
  sources = join(root, 'src');
  mkdirSync(sources);
  const tone = Float32Array.from({ length: rate * 2 }, (_, i) => 0.3 * Math.sin(i * 0.2));
  writeFileSync(join(sources, 'tone.wav'), encodeWav(tone, rate));
  writeFileSync(join(sources, 'LICENSE.txt'), 'CC0-1.0\n');
});
after(() => rmSync(root, { recursive: true, force: true }));

const build = (outDir: string, more: Record<string, unknown> = {}) =>
  buildCorpus({ sources: [sources], outDir, sampleRateHz: rate, segmentSeconds: 0.5, ...more });

const isCode = (code: string) => (error: unknown) => error instanceof V2meowError && error.code === code;

test('a build that cannot succeed removes its staging and the folder it created', async () => {
  const empty = join(root, 'empty-src');
  mkdirSync(empty);
  const cases: [string, () => Promise<unknown>][] = [
    [
      'silence threshold above every segment',
      () => build(join(root, 'out-silence'), { silenceThresholdDb: 10 }),
    ],
    ['empty source folder', () => buildCorpus({ sources: [empty], outDir: join(root, 'out-empty') })],
    ['everything held out', () => build(join(root, 'out-held'), { heldOut: [sources] })],
  ];
  for (const [label, run] of cases) {
    await assert.rejects(run(), isCode('EMPTY_CORPUS'), label);
  }
  for (const out of ['out-silence', 'out-empty', 'out-held'])
    assert.equal(existsSync(join(root, out)), false, `${out} was left behind`);
});

test('a failed rebuild into an existing corpus leaves the old corpus whole', async () => {
  const out = join(root, 'corpus');
  const first = await build(out);
  const before = readFileSync(join(out, 'index.json'), 'utf8');
  await assert.rejects(build(out, { silenceThresholdDb: 10 }), isCode('EMPTY_CORPUS'));
  assert.equal(readFileSync(join(out, 'index.json'), 'utf8'), before);
  assert.ok(!readdirSync(out).includes('.staging'));
  assert.equal(readCorpusIndex(out).shards.length, first.shards.length);
});

test('index.json: shard paths must stay in the folder; null and non-objects are refused', async () => {
  const out = join(root, 'corpus');
  if (!existsSync(out)) await build(out);
  const good = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  const hostile = join(root, 'hostile');
  mkdirSync(hostile, { recursive: true });
  const refuses = (index: unknown, pattern: RegExp) => {
    writeFileSync(join(hostile, 'index.json'), JSON.stringify(index));
    assert.throws(
      () => readCorpusIndex(hostile),
      (error: unknown) =>
        error instanceof V2meowError &&
        error.code === 'BAD_FORMAT' &&
        error.file === join(hostile, 'index.json') &&
        pattern.test(error.message),
    );
  };
  for (const file of ['../../../../../etc/passwd', '/etc/passwd', 'sub/../../x.pcm16', '..', '.staging', ''])
    refuses({ ...good, shards: [{ ...good.shards[0], file }] }, /not a file inside the corpus folder/);
  refuses(null, /not a JSON object/);
  refuses([1, 2], /not a JSON object/);
  refuses({ ...good, shards: [null] }, /without segments/);
});

test('codec eval on a corpus whose split is empty is an error, not an empty table', async () => {
  const out = join(root, 'train-only');
  await build(out, { split: { train: 1, validation: 0, test: 0 } });
  await assert.rejects(
    evaluateCodecs([], { maxSeconds: 1, opus: false, lyra: false, yamnet: false, corpusDir: out }),
    (error: unknown) => isCode('EMPTY_CORPUS')(error) && /test split/.test((error as Error).message),
  );
});
