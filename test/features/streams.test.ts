// The stream helpers of src/features/streams.ts: frameAt, sliceStream (windows of every rate cover the same
// time; past the end the last frame repeats) and resampleStream (sample-and-hold onto another rate).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FeatureStream, frameAt, resampleStream, sliceStream } from '../../src/features/streams.js';

/** A stream whose frame k holds [k, 100 + k]. */
function ramp(rateHz: number, numFrames: number): FeatureStream {
  const data = new Float32Array(numFrames * 2);
  for (let k = 0; k < numFrames; k++) data.set([k, 100 + k], 2 * k);
  return { name: 'ramp', rateHz, numFrames, dim: 2, kind: 'dense', data };
}

test('frameAt: the frame whose interval holds the time, clamped to the stream', () => {
  const s = ramp(8, 80);
  assert.equal(frameAt(s, 0), 0);
  assert.equal(frameAt(s, 0.124), 0);
  assert.equal(frameAt(s, 0.125), 1);
  assert.equal(frameAt(s, 9.99), 79);
  assert.equal(frameAt(s, 100), 79);
  assert.equal(frameAt(s, -1), 0);
});

test('sliceStream: a window of streams at 1, 8 and 25 Hz covers the same seconds', () => {
  for (const rate of [1, 8, 25]) {
    const s = ramp(rate, 10 * rate);
    const w = sliceStream(s, 2, 4);
    assert.equal(w.numFrames, 4 * rate);
    assert.equal(w.rateHz, rate);
    assert.equal(w.data[0], 2 * rate, `first frame at ${rate} Hz`);
    assert.equal(w.data[2 * (w.numFrames - 1)], 6 * rate - 1);
    assert.equal(w.data[1], 100 + 2 * rate);
  }
});

test('sliceStream past the end repeats the last frame', () => {
  const w = sliceStream(ramp(4, 8), 1, 3);
  assert.deepEqual(
    Array.from({ length: w.numFrames }, (_, k) => w.data[2 * k]),
    [4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7],
  );
});

test('resampleStream holds each input frame until the next one starts', () => {
  const up = resampleStream(ramp(1, 3), 4, 12);
  assert.deepEqual(
    Array.from({ length: 12 }, (_, k) => up.data[2 * k]),
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
  );
  const down = resampleStream(ramp(25, 50), 8, 16);
  // Output frame k at k / 8 s takes input frame floor(k * 25 / 8).
  assert.deepEqual(
    Array.from({ length: 16 }, (_, k) => down.data[2 * k]),
    Array.from({ length: 16 }, (_, k) => Math.floor((k * 25) / 8)),
  );
  assert.equal(down.rateHz, 8);
});
