// Model bundles (src/weights/bundle.ts, src/train/export.ts) with dummy parts: an exported bundle lists every
// part with its streams and provenance, drops optimizer state, and reads back; parts that do not fit
// together, unknown versions, missing or resized files and missing roles are refused with errors naming the
// bundle and the part, and a refused export leaves no folder behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createCodec, saveCodec } from '../../src/codec/soundstream.js';
import { V2meowError } from '../../src/errors.js';
import { loadSafetensors, nn, saveModel, zeros } from '../../src/torch/index.js';
import { exportBundle, type PartDescription, registerPartDescriber } from '../../src/train/export.js';
import { appendLog } from '../../src/train/trainLog.js';
import {
  type BundleManifest,
  bundleManifestFile,
  checkBundleManifest,
  pipelineRoles,
  readBundle,
  type StreamUse,
} from '../../src/weights/bundle.js';
import { repoRoot } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'v2meow-bundle-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Dummy stages describe themselves from their config: { id, reads, writes }.
for (const kind of ['dummy-stage1', 'dummy-stage2', 'dummy-stage3', 'dummy-semantic'])
  registerPartDescriber(kind, (file) => file.config as PartDescription);

const semantic: StreamUse = {
  tokenizerId: 'semantic-test',
  vocabularySize: 32,
  numLevels: 1,
  frameRateHz: 25,
};
const acoustic: StreamUse = {
  tokenizerId: 'v2meow-soundstream-debug',
  vocabularySize: 64,
  numLevels: 4,
  frameRateHz: 50,
};

/** A dummy stage checkpoint in its own run folder (with optimizer state and a log), returns its path. */
function dummyCheckpoint(name: string, kind: string, config: PartDescription): string {
  const dir = join(root, 'runs', name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'checkpoint.safetensors');
  const module = new nn.Linear(2, 2);
  const optimizer = new Map([['m.0.0', zeros([2, 2]).keep()]]);
  saveModel(
    path,
    module,
    {
      kind,
      config,
      extra: {
        steps: 20,
        recipe: { batchSize: 8 },
        data: { hoursBySource: { 'midi-renders': 1.5, hyperrogue: 0.5 } },
        training: { bestValidationScore: 1.25, validationScoreName: 'validation loss' },
        gitCommit: 'abc',
      },
    },
    optimizer,
  );
  module.dispose();
  for (const t of optimizer.values()) t.dispose();
  for (const step of [10, 20, 21])
    appendLog(join(dir, 'log.jsonl'), {
      step,
      time: 't',
      loss: 2,
      seconds: 1,
      ...(step % 10 === 0 ? { validationScore: step / 8, validationLoss: step / 8 } : {}),
    });
  return path;
}

const stage1 = dummyCheckpoint('stage1', 'dummy-stage1', { id: 'stage1-debug', writes: { semantic } });
const stage2 = dummyCheckpoint('stage2', 'dummy-stage2', {
  id: 'stage2-debug',
  reads: { semantic },
  writes: { acoustic: { ...acoustic, levels: [0, 2] } },
});
const stage3 = dummyCheckpoint('stage3', 'dummy-stage3', {
  id: 'stage3-debug',
  reads: { acoustic: { ...acoustic, levels: [0, 2] } },
  writes: { acoustic: { ...acoustic, levels: [2, 2] } },
});
const codecFile = join(root, 'codec.safetensors');
{
  const codec = createCodec('debug');
  saveCodec(codecFile, codec, { steps: 5 });
  codec.dispose();
}
const semanticDir = join(root, 'semantic');
mkdirSync(semanticDir);
{
  const module = new nn.Linear(2, 2);
  saveModel(join(semanticDir, 'semantic.safetensors'), module, {
    kind: 'dummy-semantic',
    config: { id: 'semantic-test', writes: { semantic } },
    extra: {},
  });
  module.dispose();
  writeFileSync(join(semanticDir, 'semantic.json'), '{}\n');
}
const textStyleDir = join(root, 'text-style');
mkdirSync(textStyleDir);
writeFileSync(join(textStyleDir, 'vocabulary.json'), '["calm", "epic"]\n');

const allParts = [
  { role: 'stage1', source: stage1 },
  { role: 'stage2', source: stage2 },
  { role: 'stage3', source: stage3 },
  { role: 'codec', source: codecFile },
  { role: 'semanticTokenizer', source: semanticDir },
  { role: 'textStyle', source: textStyleDir },
];

/** Asserts that `fn` throws a V2meowError with `code` whose message matches every pattern. */
async function refuses(fn: () => unknown, code: string, ...patterns: RegExp[]) {
  await assert.rejects(
    async () => fn(),
    (e: unknown) => {
      assert.ok(e instanceof V2meowError, String(e));
      assert.equal(e.code, code, e.message);
      for (const p of patterns) assert.match(e.message, p);
      return true;
    },
  );
}

describe('model bundles', () => {
  const bundle = join(root, 'bundle');

  test('export writes every part, bundle.json with streams and provenance, and reads back', async () => {
    const manifest = await exportBundle({
      outDir: bundle,
      parts: allParts,
      requiredRoles: pipelineRoles,
      provenance: { note: 'test' },
    });
    assert.deepEqual(readBundle(bundle, { requiredRoles: pipelineRoles }), manifest);
    assert.deepEqual(Object.keys(manifest.parts).sort(), [...pipelineRoles].sort());
    const parts = manifest.parts;
    assert.equal(parts.stage2!.path, 'stage2.safetensors');
    assert.equal(parts.semanticTokenizer!.path, 'semanticTokenizer');
    assert.equal(parts.semanticTokenizer!.kind, 'dummy-semantic');
    assert.equal(parts.textStyle!.kind, 'textStyle');
    assert.match(parts.stage2!.id, /^stage2-debug@[0-9a-f]{12}$/);
    assert.deepEqual(parts.codec!.writes, { acoustic });
    assert.deepEqual(parts.stage3!.writes, { acoustic: { ...acoustic, levels: [2, 2] } });
    // provenance: steps, recipe, data hours by source, validation figures of the checkpoint's step, commit
    const p = parts.stage1!.provenance!;
    assert.equal(p.steps, 20);
    assert.deepEqual(p.recipe, { batchSize: 8 });
    assert.deepEqual(p.dataHoursBySource, { 'midi-renders': 1.5, hyperrogue: 0.5 });
    assert.deepEqual(p.validation, {
      bestScore: 1.25,
      scoreName: 'validation loss',
      atStep: 20,
      validationScore: 2.5,
      validationLoss: 2.5,
    });
    assert.equal(p.trainedAtCommit, 'abc');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    assert.ok(String(manifest.provenance.gitCommit).startsWith(head));
    assert.deepEqual(Object.keys(manifest.provenance.dataHoursBySource as object), [
      'stage1',
      'stage2',
      'stage3',
    ]);
    assert.equal(manifest.provenance.note, 'test');
    // checkpoints lose their optimizer state; logs travel along; folders are copied whole
    const { tensors } = loadSafetensors(join(bundle, 'stage2.safetensors'));
    assert.deepEqual([...tensors.keys()].sort(), ['bias', 'weight']);
    for (const t of tensors.values()) t.dispose();
    assert.ok(existsSync(join(bundle, 'logs', 'stage2.log.jsonl')));
    assert.equal(readFileSync(join(bundle, 'textStyle', 'vocabulary.json'), 'utf8'), '["calm", "epic"]\n');
    await refuses(() => exportBundle({ outDir: bundle, parts: allParts }), 'CONFLICT', /not an empty folder/);
  });

  test('parts that do not fit together are refused before anything is written', async () => {
    const wrong = dummyCheckpoint('stage2-wrong', 'dummy-stage2', {
      id: 'stage2-wrong',
      reads: { semantic },
      writes: { acoustic: { ...acoustic, vocabularySize: 1024, levels: [0, 2] } },
    });
    const out = join(root, 'refused');
    const parts = allParts.map((p) => (p.role === 'stage2' ? { ...p, source: wrong } : p));
    await refuses(
      () => exportBundle({ outDir: out, parts }),
      'SHAPE_MISMATCH',
      /refused[/\\]bundle\.json/,
      /part 'stage2' writes stream 'acoustic' with vocabularySize 1024, but part 'stage3' reads it with vocabularySize 64/,
    );
    assert.ok(!existsSync(out));
    await refuses(
      () => exportBundle({ outDir: out, parts: allParts.slice(0, 5), requiredRoles: pipelineRoles }),
      'BAD_ARGUMENT',
      /needs a part 'textStyle'/,
    );
    await refuses(
      () => exportBundle({ outDir: out, parts: [...allParts, { role: 'codec', source: codecFile }] }),
      'BAD_ARGUMENT',
      /part 'codec' given twice/,
    );
    await refuses(
      () =>
        exportBundle({ outDir: out, parts: [{ role: 'stage1', source: join(root, 'nope.safetensors') }] }),
      'FILE_NOT_FOUND',
      /nope\.safetensors: part 'stage1' does not exist/,
    );
    await refuses(
      () => exportBundle({ outDir: join(root, 'no', 'such'), parts: allParts }),
      'FILE_NOT_FOUND',
    );
    assert.ok(!existsSync(out));
  });

  test('reading checks the version, the files, the roles and the streams', async () => {
    const manifest = JSON.parse(readFileSync(join(bundle, bundleManifestFile), 'utf8')) as BundleManifest;
    const copy = join(root, 'copy');
    const write = (m: unknown) => {
      rmSync(copy, { recursive: true, force: true });
      cpSync(bundle, copy, { recursive: true });
      writeFileSync(join(copy, bundleManifestFile), JSON.stringify(m));
    };
    write({ ...manifest, version: 99 });
    await refuses(() => readBundle(copy), 'VERSION_MISMATCH', /copy[/\\]bundle\.json: bundle version 99/);
    write({ ...manifest, format: 'zip' });
    await refuses(() => readBundle(copy), 'BAD_FORMAT', /not a v2meow bundle manifest/);
    write(manifest);
    rmSync(join(copy, 'stage3.safetensors'));
    await refuses(() => readBundle(copy), 'MODEL_MISSING', /part 'stage3': stage3\.safetensors is missing/);
    write(manifest);
    writeFileSync(join(copy, 'textStyle', 'vocabulary.json'), '[]');
    await refuses(() => readBundle(copy), 'MODEL_CORRUPT', /part 'textStyle': textStyle holds \d+ bytes/);
    const { textStyle: _, ...withoutStyle } = manifest.parts;
    write({ ...manifest, parts: withoutStyle });
    assert.equal(Object.keys(readBundle(copy).parts).length, 5);
    await refuses(
      () => readBundle(copy, { requiredRoles: pipelineRoles }),
      'MODEL_MISSING',
      /the bundle has no part 'textStyle'/,
    );
    const withPart = (role: string, change: object) => ({
      ...manifest,
      parts: { ...manifest.parts, [role]: { ...manifest.parts[role], ...change } },
    });
    const file = 'b/bundle.json';
    await refuses(
      () =>
        checkBundleManifest(
          withPart('stage1', { writes: { semantic: { ...semantic, frameRateHz: 50 } } }),
          file,
        ),
      'SHAPE_MISMATCH',
      /b\/bundle\.json: part 'stage1' writes stream 'semantic' with frameRateHz 50, but part 'stage2' reads it with frameRateHz 25/,
    );
    await refuses(
      () =>
        checkBundleManifest(
          withPart('stage3', {
            reads: { acoustic: { ...acoustic, tokenizerId: 'lyra-v2', levels: [0, 2] } },
          }),
          file,
        ),
      'SHAPE_MISMATCH',
      /part 'stage2' writes stream 'acoustic' with tokenizerId v2meow-soundstream-debug, but part 'stage3' reads it with tokenizerId lyra-v2/,
    );
    await refuses(
      () =>
        checkBundleManifest(
          withPart('stage3', { writes: { acoustic: { ...acoustic, levels: [2, 4] } } }),
          file,
        ),
      'SHAPE_MISMATCH',
      /part 'stage3' writes levels 2\.\.5 of stream 'acoustic', which has 4 levels/,
    );
    await refuses(
      () => checkBundleManifest(withPart('stage1', { path: '../stage1.safetensors' }), file),
      'BAD_FORMAT',
      /part 'stage1': path \.\.\/stage1\.safetensors leaves the bundle folder/,
    );
    await refuses(
      () => checkBundleManifest(withPart('codec', { id: '' }), file),
      'BAD_FORMAT',
      /part 'codec' has no id/,
    );
    await refuses(
      () => checkBundleManifest({ ...manifest, parts: {} }, file),
      'BAD_FORMAT',
      /lists no parts/,
    );
    writeFileSync(join(copy, bundleManifestFile), '{');
    await refuses(() => readBundle(copy), 'BAD_FORMAT', /bundle manifest is not JSON/);
    await refuses(() => readBundle(root), 'MODEL_MISSING', /no bundle\.json: not a model bundle/);
  });
});
