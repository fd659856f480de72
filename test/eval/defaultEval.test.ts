// `v2meow eval default` / `eval text` (src/eval/defaultEval.ts, textControl.ts) on debug weights: the clip
// windows of the held-out films, the codec baselines' unigram counts and draws, stages 2-3 on given semantic
// tokens, bad input (typed errors, exit codes), and end to end on one 3 s clip and one sample: every row and
// column in the table, finite in-range figures, the JSON round trip, and the reference through the codec
// closer in style to the reference than the noise floor. The end-to-end runs load YAMNet and MusiCNN: slow.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { encodeTensorFile, writeBytesDurably } from '../../src/dataset/tensorFile.js';
import { V2meowError } from '../../src/errors.js';
import { addCodes, datasetCounts, emptyCounts, sampleUnigramCodes } from '../../src/eval/codecBaselines.js';
import { type DefaultEvalResult, defaultEvalRows } from '../../src/eval/defaultEval.js';
import { defaultEvalColumns, defaultEvalMarkdown } from '../../src/eval/defaultReport.js';
import { evaluationClips, heldOutFilms } from '../../src/eval/evalClips.js';
import type { TextControlResult } from '../../src/eval/textControl.js';
import { V2Meow } from '../../src/generate/pipeline.js';
import { mediaDir, repoRoot, slow } from '../helpers.js';

const bin = join(repoRoot, 'bin', 'v2meow.js');
const films = join(mediaDir, 'video');
const folder = mkdtempSync(join(tmpdir(), 'v2meow-eval-default-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const run = (args: string[]) =>
  spawnSync(process.execPath, [bin, 'eval', ...args], { encoding: 'utf8', env: { ...process.env } });

const cells = (line: string) =>
  line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());

describe('evaluation clips', () => {
  test('every whole 10 s window of the three films, named by film and start', async () => {
    const clips = await evaluationClips(films, { clipsPerFilm: Number.POSITIVE_INFINITY });
    // 60.1 s, 52.2 s and 64.0 s of picture and sound
    assert.deepEqual(
      heldOutFilms.map((f) => clips.filter((c) => c.film.endsWith(f)).length),
      [6, 5, 6],
    );
    assert.equal(clips[0]!.name, 'big_buck_bunny_60s_000s');
    assert.equal(clips[6]!.name, 'sintel_trailer_000s');
    assert.deepEqual(
      clips.slice(6, 11).map((c) => c.startSec),
      [0, 10, 20, 30, 40],
    );
    const two = await evaluationClips(films, { clipsPerFilm: 2 });
    assert.deepEqual(
      two.map((c) => c.name),
      [
        'big_buck_bunny_60s_000s',
        'big_buck_bunny_60s_050s',
        'sintel_trailer_000s',
        'sintel_trailer_040s',
        'tears_of_steel_0_64s_strip_000s',
        'tears_of_steel_0_64s_strip_050s',
      ],
    );
    const short = await evaluationClips(films, { clipSeconds: 3, maxClips: 1 });
    assert.deepEqual(short, [
      { name: 'big_buck_bunny_60s_000s', film: join(films, heldOutFilms[0]), startSec: 0, seconds: 3 },
    ]);
  });

  test('a missing folder or film is FILE_NOT_FOUND naming it', async () => {
    const missing = join(folder, 'no-such-folder');
    await assert.rejects(
      evaluationClips(missing),
      (e: unknown) => e instanceof V2meowError && e.code === 'FILE_NOT_FOUND' && e.file === missing,
    );
    await assert.rejects(
      evaluationClips(films, { films: ['nope.mp4'] }),
      (e: unknown) =>
        e instanceof V2meowError && e.code === 'FILE_NOT_FOUND' && e.file === join(films, 'nope.mp4'),
    );
  });
});

describe('codec baselines', () => {
  test('unigram draws follow the counts per level, seeded', () => {
    const counts = emptyCounts(2, 4, 'test');
    // level 0: token 1 three times, token 3 once; level 1: token 2 only
    addCodes(counts, { levels: 2, frames: 4, data: Int32Array.from([1, 1, 1, 3, 2, 2, 2, 2]) });
    const codes = sampleUnigramCodes(counts, 4000, 7);
    const level0 = codes.data.subarray(0, 4000);
    const ones = level0.filter((t) => t === 1).length;
    assert.ok(level0.every((t) => t === 1 || t === 3));
    assert.ok(Math.abs(ones / 4000 - 0.75) < 0.03, `share of token 1: ${ones / 4000}`);
    assert.ok(codes.data.subarray(4000).every((t) => t === 2));
    assert.deepEqual(sampleUnigramCodes(counts, 50, 7).data, sampleUnigramCodes(counts, 50, 7).data);
    assert.notDeepEqual(sampleUnigramCodes(counts, 50, 7).data, sampleUnigramCodes(counts, 50, 8).data);
    assert.throws(
      () => addCodes(counts, { levels: 3, frames: 1, data: new Int32Array(3) }),
      (e: unknown) => e instanceof V2meowError && e.code === 'SHAPE_MISMATCH',
    );
  });

  test('training-set counts: every example file when there is no index; wrong levels named', () => {
    const dataset = join(folder, 'pairs');
    mkdirSync(join(dataset, 'examples'), { recursive: true });
    const example = (name: string, levels: number, values: number[]) =>
      writeBytesDurably(
        join(dataset, 'examples', name),
        encodeTensorFile({ acoustic: { dtype: 'I16', shape: [levels, values.length / levels], values } }, {}),
      );
    example('a.safetensors', 2, [0, 0, 1, 1]);
    example('b.safetensors', 2, [0, 3, 1, 1]);
    const counts = datasetCounts(dataset, 2, 4);
    assert.equal(counts.numFrames, 4);
    assert.deepEqual(Array.from(counts.counts), [3, 0, 0, 1, 0, 4, 0, 0]);
    assert.match(counts.source, /2 examples/);
    example('c.safetensors', 3, [0, 0, 0]);
    assert.throws(
      () => datasetCounts(dataset, 2, 4),
      (e: unknown) =>
        e instanceof V2meowError && e.code === 'SHAPE_MISMATCH' && /c\.safetensors/.test(e.message),
    );
  });
});

describe('stages 2-3 on given semantic tokens', () => {
  test('the result carries the given tokens; too few or out-of-vocabulary ones are BAD_ARGUMENT', async () => {
    const model = V2Meow.debug();
    try {
      const tokens = Int32Array.from({ length: 30 }, (_, i) => (i * 7) % 64);
      const result = await model.generate({ seconds: 1, semanticTokens: tokens, seed: 3, candidates: 2 });
      for (const c of result.candidates) {
        assert.deepEqual(Array.from(c.semantic.data), Array.from(tokens.subarray(0, 25)));
        assert.equal(c.waveform.length, 16000);
      }
      await assert.rejects(
        model.generate({ seconds: 1, semanticTokens: tokens.subarray(0, 20) }),
        (e: unknown) => e instanceof V2meowError && e.code === 'BAD_ARGUMENT' && /20 tokens/.test(e.message),
      );
      await assert.rejects(
        model.generate({ seconds: 1, semanticTokens: new Int32Array(25).fill(64) }),
        (e: unknown) => e instanceof V2meowError && e.code === 'BAD_ARGUMENT' && /vocabulary/.test(e.message),
      );
    } finally {
      model.dispose();
    }
  });
});

describe('v2meow eval default: bad input', () => {
  test('--seeds 0 is a usage error naming the option (exit 2)', () => {
    const result = run(['default', '--model', 'debug', '--seeds', '0', '--out', join(folder, 'x')]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--seeds wants a whole number >= 1/);
  });

  test('a missing films folder is one line naming it (exit 1), before any model loads', () => {
    const missing = join(folder, 'no-films');
    const result = run(['default', '--model', 'debug', '--films', missing, '--out', join(folder, 'y')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`${missing}: films folder does not exist`));
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  test('a JSON output that is not .json and a missing model bundle fail before any work', () => {
    const json = run([
      'default',
      '--model',
      'debug',
      '--json',
      join(folder, 'r.txt'),
      '--out',
      join(folder, 'z'),
    ]);
    assert.equal(json.status, 1);
    assert.match(json.stderr, /output must end in \.json/);
    const model = run(['default', '--model', join(folder, 'no-bundle'), '--out', join(folder, 'z')]);
    assert.equal(model.status, 1);
    assert.match(model.stderr, /no bundle\.json/);
    assert.equal(existsSync(join(folder, 'z')), false);
  });
});

describe('the Markdown table', () => {
  test('one line per row, every column, three decimals, - where a column does not apply', () => {
    const rows = defaultEvalRows.map((r, i) => ({
      id: r.id,
      label: r.label,
      numOutputs: 1,
      fad: i,
      kl: i / 7,
      styleCos: 1 - i / 10,
      beatCoverage: i === 0 ? null : 0.5,
      beatHit: i === 0 ? null : 0.25,
      beatF1: i === 0 ? null : 1 / 3,
      musicScore: 0.1234,
      musicTopShare: 0.5,
      rtf: r.generated ? 1.234 : null,
    }));
    const markdown = defaultEvalMarkdown({
      settings: {
        model: 'm',
        filmsFolder: films,
        clipSeconds: 10,
        seeds: 3,
        seed: 0,
        text: 't',
        noiseFrequencies: 'somewhere',
        styleEncoder: 's',
        embedding: 'e',
        toleranceSec: 0.07,
      },
      clips: [
        {
          name: 'c_000s',
          film: '/x/c.mp4',
          startSec: 0,
          seconds: 10,
          reference: 'r.wav',
          visualBeatsSec: [1, 2],
        },
      ],
      rows,
      outputs: [],
      generatedSec: 120,
      elapsedSec: 1,
    });
    const lines = markdown.split('\n');
    assert.deepEqual(cells(lines.find((l) => l.startsWith('| System'))!), [...defaultEvalColumns]);
    assert.deepEqual(cells(lines.find((l) => l.startsWith('| V2Meow: video |'))!), [
      'V2Meow: video',
      '0.000',
      '0.000',
      '1.000',
      '-',
      '-',
      '-',
      '0.123',
      '0.500',
      '1.23',
    ]);
    assert.equal(cells(lines.find((l) => l.startsWith('| Noise floor'))!)[9], '-');
    assert.equal(cells(lines.find((l) => l.startsWith('| Noise floor'))!)[6], '0.333');
    assert.ok(lines.includes('| c_000s | c.mp4 | 0 | 2 |'));
    assert.match(markdown, /Noise floor frequencies: somewhere/);
  });
});

describe('v2meow eval default on debug weights (one 3 s clip, one sample)', () => {
  test(
    'every row and column, finite figures in range, JSON round trip, codec above the noise floor',
    slow,
    () => {
      const out = join(folder, 'out');
      const json = join(folder, 'result.json');
      const result = run([
        'default',
        '--model',
        'debug',
        '--clip-seconds',
        '3',
        '--max-clips',
        '1',
        '--seeds',
        '1',
        '--out',
        out,
        '--json',
        json,
        '--no-cache',
      ]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /12 s of music to generate/);
      assert.match(result.stderr, /clip 1\/1 big_buck_bunny_60s_000s/);
      const lines = result.stdout.split('\n');
      const header = lines.find((l) => l.startsWith('| System'))!;
      assert.deepEqual(cells(header), [...defaultEvalColumns]);
      const parsed = JSON.parse(readFileSync(json, 'utf8')) as DefaultEvalResult;
      // the rows at the model's decoded levels exist only for a bundle that decodes fewer than all levels
      const shownRows = defaultEvalRows.filter((r) => r.id !== 'codecModel' && r.id !== 'noiseModel');
      assert.deepEqual(
        parsed.rows.map((r) => r.id),
        shownRows.map((r) => r.id),
      );
      for (const row of parsed.rows) {
        const line = lines.find((l) => l.startsWith(`| ${row.label} |`));
        assert.ok(line, `table row ${row.label}`);
        const shown = cells(line);
        assert.equal(shown.length, defaultEvalColumns.length);
        const values = [
          row.fad,
          row.kl,
          row.styleCos,
          row.beatCoverage,
          row.beatHit,
          row.beatF1,
          row.musicScore,
        ];
        values.forEach((v, c) => {
          assert.equal(shown[c + 1], v === null ? '-' : v.toFixed(3), `${row.id} column ${c + 1}`);
        });
        assert.equal(shown[8], row.musicTopShare.toFixed(3));
        assert.ok(Number.isFinite(row.fad) && row.fad >= 0, `${row.id} FAD ${row.fad}`);
        assert.ok(Number.isFinite(row.kl) && row.kl >= 0);
        assert.ok(row.styleCos >= -1 && row.styleCos <= 1 + 1e-6);
        for (const v of [row.beatCoverage, row.beatHit, row.beatF1])
          assert.ok(v === null || (v >= 0 && v <= 1));
        assert.ok(
          row.musicScore >= 0 && row.musicScore <= 1 && row.musicTopShare >= 0 && row.musicTopShare <= 1,
        );
        const generated = defaultEvalRows.find((r) => r.id === row.id)!.generated;
        if (generated) assert.ok(row.rtf !== null && row.rtf > 0 && shown[9] === row.rtf.toFixed(2));
        else assert.ok(row.rtf === null && shown[9] === '-');
        assert.equal(row.numOutputs, 1);
      }
      const byId = Object.fromEntries(parsed.rows.map((r) => [r.id, r]));
      assert.equal(byId.reference!.kl, 0);
      assert.ok(Math.abs(byId.reference!.styleCos - 1) < 1e-6);
      assert.ok(
        byId.codec!.styleCos > byId.noise!.styleCos,
        `codec ${byId.codec!.styleCos} vs noise ${byId.noise!.styleCos}`,
      );
      assert.equal(parsed.outputs.length, shownRows.length);
      for (const o of parsed.outputs) {
        assert.ok(existsSync(o.file), o.file);
        assert.ok(Number.isFinite(o.kl) && Number.isFinite(o.styleCos) && Number.isFinite(o.musicScore));
      }
      assert.ok(existsSync(join(out, 'video', 'big_buck_bunny_60s_000s-0.wav')));
      assert.match(parsed.settings.noiseFrequencies, /reference clips themselves/);
      assert.equal(parsed.clips[0]!.seconds, 3);
    },
  );

  test('eval text: one row per prompt, own vs others, the pass count', slow, () => {
    const json = join(folder, 'text.json');
    const result = run([
      'text',
      '--model',
      'debug',
      '--clip-seconds',
      '3',
      '--seeds',
      '1',
      '--prompts',
      'calm piano; heavy metal guitar',
      '--out',
      join(folder, 'text-out'),
      '--json',
      json,
    ]);
    assert.equal(result.status, 0, result.stderr);
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as TextControlResult;
    assert.deepEqual(
      parsed.prompts.map((p) => p.prompt),
      ['calm piano', 'heavy metal guitar'],
    );
    for (const p of parsed.prompts) {
      assert.ok(p.ownCos >= -1 && p.ownCos <= 1 && p.othersCos >= -1 && p.othersCos <= 1);
      assert.equal(p.pass, p.ownCos > p.othersCos + 1e-6);
      assert.ok(p.otherOutputsCos >= -1 && p.otherOutputsCos <= 1);
      assert.equal(p.passAgainstOutputs, p.ownCos > p.otherOutputsCos + 1e-6);
      const line = result.stdout.split('\n').find((l) => l.startsWith(`| ${p.prompt} |`))!;
      assert.equal(cells(line)[2], p.ownCos.toFixed(3));
    }
    assert.equal(parsed.passed, parsed.prompts.filter((p) => p.pass).length);
    assert.match(result.stdout, new RegExp(`${parsed.passed} of 2 prompts closer to their own text`));
    assert.equal(parsed.outputs.length, 2);
  });
});
