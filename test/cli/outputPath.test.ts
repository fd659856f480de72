// The one output-path check (src/util/outputPath.ts, issue 16): pseudo file systems, folders, missing parents,
// extensions and the input itself (also through a symbolic link) are refused before any work, naming the path.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import { checkOutputFile, checkOutputFolder, makeOutputFolder } from '../../src/util/outputPath.js';

const dir = mkdtempSync(join(tmpdir(), 'v2meow-output-path-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const refuses = (run: () => unknown, path: string, pattern: RegExp) =>
  assert.throws(
    run,
    (error: unknown) => error instanceof V2meowError && error.file === path && pattern.test(error.message),
    `${path} ${pattern}`,
  );

test('output files: accepted in a writable folder; refused elsewhere with the path named', () => {
  const input = join(dir, 'in.wav');
  writeFileSync(input, 'x');
  const link = join(dir, 'link.wav');
  symlinkSync(input, link);
  assert.equal(checkOutputFile(join(dir, 'out.wav'), { extensions: ['.wav'] }), join(dir, 'out.wav'));
  refuses(() => checkOutputFile('/proc/x.png'), '/proc/x.png', /system folder/);
  refuses(() => checkOutputFile('/sys/kernel/x.png'), '/sys/kernel/x.png', /system folder/);
  refuses(() => checkOutputFile('/dev/shm/x.png'), '/dev/shm/x.png', /system folder/);
  refuses(() => checkOutputFile(dir), dir, /is a folder/);
  refuses(() => checkOutputFile(join(dir, 'no', 'x.wav')), join(dir, 'no', 'x.wav'), /does not exist/);
  refuses(() => checkOutputFile(join(dir, 'in.wav', 'x.wav')), join(dir, 'in.wav', 'x.wav'), /not a folder/);
  refuses(() => checkOutputFile(join(dir, 'x.mp3'), { extensions: ['.wav'] }), join(dir, 'x.mp3'), /\.wav/);
  refuses(() => checkOutputFile(input, { inputs: [input] }), input, /output is the input/);
  refuses(() => checkOutputFile(link, { inputs: [input] }), link, /output is the input/);
});

test('output folders: one level is created; files, pseudo file systems and missing parents are refused', () => {
  const made = join(dir, 'made');
  assert.equal(makeOutputFolder(made), made);
  assert.equal(makeOutputFolder(made), undefined); // existed
  writeFileSync(join(made, 'a'), 'x');
  refuses(() => checkOutputFolder(made, { empty: true }), made, /not empty/);
  refuses(() => checkOutputFolder(join(made, 'a')), join(made, 'a'), /is a file/);
  refuses(() => checkOutputFolder('/proc/v2meow'), '/proc/v2meow', /system folder/);
  refuses(() => makeOutputFolder(join(dir, 'x', 'y')), join(dir, 'x', 'y'), /does not exist/);
  mkdirSync(join(dir, 'x'));
  assert.equal(makeOutputFolder(join(dir, 'x', 'y')), join(dir, 'x', 'y'));
});
