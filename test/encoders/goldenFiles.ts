// Reads ../shared/golden .bin files (raw little-endian float32) for encoder parity tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenDir } from '../helpers.js';

/** A golden float32 file as a Float32Array (copied: Buffers from the pool are not 4-byte aligned). */
export function goldenFloats(folder: string, file: string): Float32Array {
  const bytes = readFileSync(join(goldenDir, folder, file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** Largest absolute difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
