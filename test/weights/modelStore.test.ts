// Model store: search order, missing / corrupt errors, and fetch from file:// and a local HTTP server.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { V2meowError } from '../../src/errors.js';
import { manifestEntry, modelManifest, upstreamUrl } from '../../src/weights/manifest.js';
import { fetchModel } from '../../src/weights/modelFetch.js';
import { modelSearchPath, modelStatus, resolveModel, userCacheDir } from '../../src/weights/modelStore.js';
import { modelsDir, slow } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'v2meow-models-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
/** An environment that sees only `dir` (and empty cache / shared folders). */
const envWith = (dir: string): NodeJS.ProcessEnv => ({
  V2MEOW_MODELS: dir,
  XDG_CACHE_HOME: join(scratch, 'no-cache'),
  V2MEOW_SHARED: join(scratch, 'no-shared'),
});
const labels = manifestEntry('yamnet-labels');

describe('manifest', () => {
  test('ids are unique, hashes are sha256 hex, upstream URLs are GitHub raw', () => {
    assert.equal(new Set(modelManifest.map((e) => e.id)).size, modelManifest.length);
    for (const e of modelManifest) assert.match(e.sha256, /^[0-9a-f]{64}$/);
    assert.equal(
      upstreamUrl(manifestEntry('yamnet')),
      'https://raw.githubusercontent.com/tensorflow/tflite-support/dd3362ea685bb7ab1f7268c81ec567d3b720ae57/' +
        'tensorflow_lite_support/cc/test/testdata/task/audio/yamnet_audio_classifier_with_metadata.tflite',
    );
  });
});

describe('model store', () => {
  test('search order: V2MEOW_MODELS, user cache, shared mirror', () => {
    const path = modelSearchPath({ V2MEOW_MODELS: '/a', XDG_CACHE_HOME: '/c', V2MEOW_SHARED: '/s' });
    assert.deepEqual(
      path.map((d) => [d.dir, d.source]),
      [
        ['/a', 'V2MEOW_MODELS'],
        ['/c/v2meow/models', 'user cache'],
        ['/s/models', 'shared mirror'],
      ],
    );
    assert.equal(userCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/v2meow/models');
  });

  test('missing model: MODEL_MISSING naming the file, every place searched, and the fetch command', () => {
    const env = envWith(join(scratch, 'empty'));
    assert.throws(
      () => resolveModel('yamnet', env),
      (error: unknown) => {
        assert.ok(error instanceof V2meowError);
        assert.equal(error.code, 'MODEL_MISSING');
        assert.match(error.message, /yamnet\/yamnet\.tflite/);
        assert.match(error.message, /empty\/yamnet\/yamnet\.tflite \(V2MEOW_MODELS\)/);
        assert.match(error.message, /no-cache\/v2meow\/models/);
        assert.match(error.message, /v2meow models fetch yamnet/);
        return true;
      },
    );
  });

  test('corrupt model (right size, wrong bytes): MODEL_CORRUPT with both hashes', () => {
    const dir = join(scratch, 'corrupt');
    mkdirSync(join(dir, 'yamnet'), { recursive: true });
    writeFileSync(join(dir, labels.file), Buffer.alloc(labels.bytes, 65));
    assert.throws(
      () => resolveModel('yamnet-labels', envWith(dir)),
      (error: unknown) =>
        error instanceof V2meowError &&
        error.code === 'MODEL_CORRUPT' &&
        error.file === join(dir, labels.file) &&
        error.message.includes(labels.sha256),
    );
    writeFileSync(join(dir, labels.file), 'short');
    assert.equal(modelStatus(labels, envWith(dir)).status, 'corrupt');
  });

  test('every shared model is found and intact', slow, () => {
    for (const entry of modelManifest) {
      const status = modelStatus(entry, envWith(modelsDir));
      assert.equal(status.status, 'ok', `${entry.id}: ${status.status}`);
    }
  });
});

describe('fetch', () => {
  const source = join(modelsDir, labels.file);

  test(
    'from a file:// mirror, then resolvable; bad bytes are refused and nothing is written',
    slow,
    async () => {
      const destinationDir = join(scratch, 'fetched');
      const path = await fetchModel(labels, { destinationDir, mirrorBaseUrl: pathToFileURL(modelsDir).href });
      assert.equal(path, join(destinationDir, labels.file));
      assert.equal(resolveModel('yamnet-labels', envWith(destinationDir)), path);

      const badMirror = join(scratch, 'bad-mirror');
      mkdirSync(join(badMirror, 'yamnet'), { recursive: true });
      writeFileSync(join(badMirror, labels.file), 'not the labels');
      const otherDir = join(scratch, 'not-written');
      await assert.rejects(
        fetchModel(labels, { destinationDir: otherDir, mirrorBaseUrl: pathToFileURL(badMirror).href }),
        (error: unknown) => error instanceof V2meowError && error.code === 'MODEL_CORRUPT',
      );
      assert.equal(existsSync(join(otherDir, labels.file)), false);
    },
  );

  test('over HTTP from 127.0.0.1, and a 404 is MODEL_MISSING', slow, async () => {
    const body = readFileSync(source);
    assert.equal(createHash('sha256').update(body).digest('hex'), labels.sha256);
    const server = createServer((request, response) => {
      if (request.url === `/mirror/${labels.file}`) response.end(body);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const destinationDir = join(scratch, 'http');
      const path = await fetchModel(labels, { destinationDir, mirrorBaseUrl: `${base}/mirror/` });
      assert.deepEqual(readFileSync(path), body);
      await assert.rejects(
        fetchModel(labels, { destinationDir, mirrorBaseUrl: `${base}/elsewhere` }),
        (error: unknown) =>
          error instanceof V2meowError && error.code === 'MODEL_MISSING' && /404/.test(error.message),
      );
    } finally {
      server.close();
    }
  });
});

test('a V2MEOW_MODELS that is not a folder is warned about once (issue 16)', () => {
  const write = process.stderr.write;
  let warned = '';
  process.stderr.write = ((chunk: string) => {
    warned += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    modelSearchPath({ V2MEOW_MODELS: '/no/such/v2meow-models' });
    modelSearchPath({ V2MEOW_MODELS: '/no/such/v2meow-models' });
  } finally {
    process.stderr.write = write;
  }
  assert.equal(warned.split('\n').filter(Boolean).length, 1);
  assert.match(warned, /V2MEOW_MODELS=\/no\/such\/v2meow-models is not a folder/);
});
