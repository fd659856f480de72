// MoveNet: parity with the golden TFLite run and person presence on real video frames.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Movenet, movenetKeypointNames } from '../../src/encoders/movenet.js';
import { decodeFrames } from '../../src/media/index.js';
import { mediaDir, slow } from '../helpers.js';
import { goldenFloats, maxAbsDiff } from './goldenFiles.js';

describe('MoveNet', slow, () => {
  let movenet: Movenet;
  before(async () => {
    movenet = await Movenet.fromPretrained();
  });
  after(() => movenet?.dispose());

  test('golden frame: keypoints match the reference run exactly', () => {
    const folder = 'movenet_singlepose_lightning_int8';
    const input = goldenFloats(folder, 'input_uint8_as_f32.bin');
    const raw = movenet.runSquare(Uint8Array.from(input));
    assert.equal(raw.length, 17 * 3);
    assert.equal(maxAbsDiff(raw, goldenFloats(folder, 'output_keypoints.f32.bin')), 0);
    const pose = movenet.estimate({ data: Uint8Array.from(input), width: 192, height: 192 });
    assert.deepEqual(
      pose.keypoints.map((k) => k.name),
      [...movenetKeypointNames],
    );
    assert.equal(pose.keypoints[0]!.y, raw[0]);
  });

  const poses = async (file: string) => {
    const result = [];
    for await (const frame of decodeFrames(join(mediaDir, 'video', file), {
      fps: 2,
      width: 320,
      height: 240,
    }))
      result.push(movenet.estimate(frame));
    return result;
  };

  test('finds a person in mdn_friday.mp4', async () => {
    const found = await poses('mdn_friday.mp4');
    assert.ok(found.length >= 10);
    assert.ok(found.filter((p) => p.personPresent).length >= found.length * 0.8);
  });

  test('finds nobody in mdn_bug_no_audio.mp4', async () => {
    const found = await poses('mdn_bug_no_audio.mp4');
    assert.ok(found.length >= 10);
    assert.equal(found.filter((p) => p.personPresent).length, 0);
  });

  test('keypoints map back through the centre crop', () => {
    // A 300x200 frame: the crop is the middle 200x200, so x = 0.5 of the crop is x = 0.5 of the frame.
    const pose = movenet.summarize([]);
    assert.equal(pose.personPresent, false);
    const frame = { data: new Uint8Array(300 * 200 * 3), width: 300, height: 200 };
    for (const k of movenet.estimate(frame).keypoints) {
      assert.ok(k.x >= 50 / 300 - 1e-6 && k.x <= 250 / 300 + 1e-6, `x=${k.x}`);
      assert.ok(k.y >= -1e-6 && k.y <= 1 + 1e-6);
    }
  });
});
