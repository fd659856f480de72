// `v2meow train`: an unregistered stage says it is not available yet; a registered one (the linear test task
// standing in for a stage) parses the common options, checks them and the paths before any work, and trains
// in the shared loop; `train export` bundles parts and asks for the whole pipeline unless --partial.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { createCodec, saveCodec } from '../../src/codec/soundstream.js';
import { V2meowError } from '../../src/errors.js';
import { readModelInfo } from '../../src/torch/index.js';
import { runFiles } from '../../src/train/loop.js';
import { registerStageTask, type StageTrainOptions, stageDefaults } from '../../src/train/stageRegistry.js';
import { readBundle } from '../../src/weights/bundle.js';
import { repoRoot } from '../helpers.js';
import { LinearTask } from './linearTask.js';

const root = mkdtempSync(join(tmpdir(), 'v2meow-train-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'pairs');
mkdirSync(data);

function cli(args: string[]) {
  return spawnSync(process.execPath, [join(repoRoot, 'bin', 'v2meow.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, V2MEOW_THREADS: '1' },
  });
}

describe('v2meow train', () => {
  test('a registered stage on a folder that is not a training set: one line, exit 1, nothing written', () => {
    const out = join(root, 'stage1-run');
    const res = cli(['train', 'stage1', '--data', data, '--out', out]);
    assert.equal(res.status, 1);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.match(res.stderr, /index\.json: no dataset index/);
    assert.ok(!existsSync(out));
    assert.equal(cli(['train', 'stage4']).status, 2);
  });

  test('a registered stage: options and paths checked before work, then trained in the shared loop', async () => {
    const received: StageTrainOptions[] = [];
    registerStageTask('stage2', {
      presets: ['debug', 'small'],
      defaults: { batchSize: 4 },
      loop: { schedule: 'constant' },
      create: (options) => {
        received.push(options);
        return new LinearTask({ batchSize: options.batchSize });
      },
    });
    const out = join(root, 'stage2-run');
    const args = ['stage2', '--data', data, '--out', out, '--preset', 'debug'];
    const fails = async (extra: string[], kind: typeof UsageError | typeof V2meowError, pattern: RegExp) => {
      await assert.rejects(trainCommand.run([...args, ...extra]), (e: Error) => {
        assert.ok(e instanceof kind, String(e));
        assert.match(e.message, pattern);
        return true;
      });
      assert.ok(!existsSync(out), `${extra.join(' ')}: nothing written`);
      assert.equal(received.length, 0);
    };
    await fails(['--lr', '0'], UsageError, /--lr wants a number > 0, got '0'/);
    await fails(['--max-steps', '1.5'], UsageError, /--max-steps wants a whole number >= 0, got '1.5'/);
    await fails(['--seconds=-3'], UsageError, /--seconds wants a number > 0, got '-3'/);
    await fails(['--preset', 'paper'], UsageError, /--preset: one of debug, small, got 'paper'/);
    await fails(
      ['--init', join(root, 'none.safetensors')],
      V2meowError,
      /none\.safetensors: --init: no such file/,
    );
    await assert.rejects(
      trainCommand.run(['stage2', '--data', join(root, 'nodata'), '--out', out]),
      /nodata: --data: no such folder/,
    );
    await assert.rejects(
      trainCommand.run(['stage2', '--data', data, '--out', join(root, 'no', 'run')]),
      /no[/\\]run: parent folder .*no does not exist/,
    );

    assert.equal(
      await trainCommand.run([...args, '--max-steps', '3', '--validate-every', '2', '--seed', '7']),
      0,
    );
    assert.equal(received.length, 1);
    const o = received[0]!;
    assert.deepEqual(
      [o.dataDir, o.outDir, o.preset, o.batchSize, o.cropSeconds, o.maxSteps, o.seed],
      [data, out, 'debug', 4, 10, 3, 7],
    );
    const info = readModelInfo(join(out, runFiles.checkpoint));
    assert.equal(info.extra.steps, 3);
    assert.equal(info.extra.stage, 'stage2');
    assert.match(String(info.extra.command), /^v2meow train stage2 --data /);
    assert.equal((info.extra.optimization as { schedule: string }).schedule, 'constant');
    for (const f of Object.values(runFiles)) assert.ok(existsSync(join(out, f)), f);
    assert.equal(stageDefaults('stage3').cropSeconds, 3);
  });

  test('export: a bundle of the given parts; the whole pipeline unless --partial', async () => {
    const codecFile = join(root, 'codec.safetensors');
    const codec = createCodec('debug');
    saveCodec(codecFile, codec, { steps: 1 });
    codec.dispose();
    const out = join(root, 'bundle');
    await assert.rejects(
      trainCommand.run(['export', '-o', out, '--codec', codecFile]),
      /the bundle needs a part 'stage1'/,
    );
    await assert.rejects(
      trainCommand.run(['export', '-o', out, '--part', 'x']),
      /--part wants ROLE=PATH, got 'x'/,
    );
    assert.ok(!existsSync(out));
    const notes = join(root, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'README'), 'x');
    assert.equal(
      await trainCommand.run([
        'export',
        '-o',
        out,
        '--codec',
        codecFile,
        '--part',
        `notes=${notes}`,
        '--partial',
      ]),
      0,
    );
    const manifest = readBundle(out);
    assert.deepEqual(Object.keys(manifest.parts), ['codec', 'notes']);
    assert.match(String(manifest.provenance.command), /^v2meow train export -o /);
  });
});
