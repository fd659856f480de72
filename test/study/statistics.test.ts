// Exact binomial (Clopper-Pearson) intervals against published values and closed forms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binomialCdf, clopperPearson } from '../../src/study/index.js';

const close = (actual: number, expected: number, tolerance = 1e-4) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} != ${expected}`);

test('binomial CDF', () => {
  close(binomialCdf(5, 10, 0.5), 0.623046875, 1e-12);
  close(binomialCdf(0, 3, 0.2), 0.512, 1e-12);
  assert.equal(binomialCdf(3, 3, 0.7), 1);
});

test('Clopper-Pearson 95% intervals', () => {
  // Closed forms at the edges: (alpha/2)^(1/n).
  const edge = (n: number) => 0.025 ** (1 / n);
  assert.deepEqual(clopperPearson(0, 4).low, 0);
  close(clopperPearson(0, 4).high, 1 - edge(4));
  close(clopperPearson(4, 4).low, edge(4));
  assert.equal(clopperPearson(4, 4).high, 1);
  // Tabulated values (e.g. R binom.test): 5/10 -> [0.1871, 0.8129]; 7/9 -> [0.3999, 0.9719]; 2/4 -> [0.0676, 0.9324].
  close(clopperPearson(5, 10).low, 0.18709);
  close(clopperPearson(5, 10).high, 0.81291);
  close(clopperPearson(7, 9).low, 0.39991);
  close(clopperPearson(7, 9).high, 0.97186);
  close(clopperPearson(2, 4).low, 0.06759);
  close(clopperPearson(2, 4).high, 0.93241);
  assert.deepEqual(clopperPearson(0, 0), { low: 0, high: 1 });
  assert.throws(() => clopperPearson(5, 4), RangeError);
});
