import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { numberOption, positiveOption } from '../../src/cli/options.js';

test('number options: fallback, ranges, whole numbers, and errors naming the flag and value', () => {
  assert.equal(numberOption(undefined, '--top', 3), 3);
  assert.equal(numberOption('2.5', '--x', 0), 2.5);
  assert.equal(positiveOption(undefined, '--t'), undefined);
  assert.equal(numberOption('4', '--top', 3, { min: 1, integer: true }), 4);
  const rejects = (text: string, rule: Parameters<typeof numberOption>[3], message: RegExp) =>
    assert.throws(
      () => numberOption(text, '--flag', 0, rule),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
    );
  rejects('abc', {}, /--flag wants a number, got 'abc'/);
  rejects('', {}, /--flag wants a number/);
  rejects('1.5', { integer: true }, /wants a whole number/);
  rejects('0', { min: 0, exclusiveMin: true }, /wants a number > 0, got '0'/);
  rejects('61', { min: 0, exclusiveMin: true, max: 60 }, /> 0 and <= 60, got '61'/);
  assert.throws(() => positiveOption('-1', '--tolerance'), /--tolerance wants a number > 0/);
});
