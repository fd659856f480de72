// Shared helpers for classifier outputs: label files, softmax, top-k, and averaging window scores into
// clip scores.
import { readFileSync } from 'node:fs';
import { V2meowError } from '../errors.js';
import { resolveModel } from '../weights/modelStore.js';

/** A class and its score. */
export interface LabelScore {
  readonly label: string;
  readonly score: number;
}

/** Class names, one per line, from a manifest text file (e.g. `yamnet-labels`). */
export function readLabels(id: string, expectedCount: number): string[] {
  const path = resolveModel(id);
  const labels = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim());
  while (labels.length > 0 && labels[labels.length - 1] === '') labels.pop();
  if (labels.length !== expectedCount)
    throw new V2meowError('BAD_FORMAT', `expected ${expectedCount} labels, found ${labels.length}`, path);
  return labels;
}

/** Numerically stable softmax. */
export function softmax(logits: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** The k highest scores with their labels, highest first (ties keep the lower index first). */
export function topK(scores: ArrayLike<number>, labels: readonly string[], k: number): LabelScore[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, k).map((i) => ({ label: labels[i] ?? String(i), score: scores[i]! }));
}

/** Mean over rows of a row-major [rows, columns] matrix. */
export function meanRows(matrix: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c]! += matrix[r * columns + c]!;
  for (let c = 0; c < columns; c++) out[c]! /= Math.max(rows, 1);
  return out;
}
