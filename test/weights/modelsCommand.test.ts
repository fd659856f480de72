// `v2meow models list | verify | fetch` end to end, in child processes with controlled environments.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { modelsDir, repoRoot, slow } from '../helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'v2meow-models-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [join(repoRoot, 'bin/v2meow.js'), 'models', ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: scratch,
      XDG_CACHE_HOME: join(scratch, 'cache'),
      V2MEOW_SHARED: join(scratch, 'none'),
      ...env,
    },
  });

describe('v2meow models', slow, () => {
  test('verify: 0 when every model is intact, 1 and "missing" when not', () => {
    const ok = cli(['verify'], { V2MEOW_MODELS: modelsDir });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stdout.trim().split('\n').length, 12);
    const missing = cli(['verify', 'yamnet'], {});
    assert.equal(missing.status, 1);
    assert.match(missing.stdout, /^missing yamnet/);
  });

  test('fetch from a file:// mirror into the user cache, then list finds it there', () => {
    const fetched = cli(['fetch', 'imagenet-labels', '--from', pathToFileURL(modelsDir).href], {});
    assert.equal(fetched.status, 0, fetched.stderr);
    const cached = join(scratch, 'cache', 'v2meow', 'models', 'vision', 'imagenet_labels.txt');
    assert.ok(existsSync(cached));
    const list = cli(['list', '--json'], {});
    const rows = JSON.parse(list.stdout).models as { id: string; status: string; path: string | null }[];
    assert.deepEqual(
      rows.find((r) => r.id === 'imagenet-labels'),
      { ...rows.find((r) => r.id === 'imagenet-labels')!, status: 'ok', path: cached },
    );
    assert.equal(rows.find((r) => r.id === 'yamnet')!.status, 'missing');
  });

  test('unknown action is a usage error (exit 2)', () => {
    assert.equal(cli(['frobnicate'], {}).status, 2);
  });
});
