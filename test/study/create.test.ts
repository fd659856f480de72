// Study construction: pair planning (all / sampled, seeded), matching soundtracks by name, the study folder
// contents (opaque clip names, playable MP4 with picture and sound), and typed errors for bad input.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import { probe } from '../../src/media/index.js';
import {
  allPairs,
  createStudy,
  matchSources,
  openStudyDatabase,
  parseSystemArgument,
  readGenres,
  selectPairs,
} from '../../src/study/index.js';
import { seededRandom } from '../../src/study/random.js';
import { makeStudy, makeStudyInputs, testDir } from './fixture.js';

const videos = [
  { video: 'v1', systems: ['b', 'a', 'c'] },
  { video: 'v2', systems: ['a', 'c'] },
];

test('all pairs per video in name order, and seeded samples of them', () => {
  assert.deepEqual(allPairs(videos), [
    { video: 'v1', first: 'a', second: 'b' },
    { video: 'v1', first: 'a', second: 'c' },
    { video: 'v1', first: 'b', second: 'c' },
    { video: 'v2', first: 'a', second: 'c' },
  ]);
  const sample = selectPairs(videos, 2, seededRandom(7));
  assert.equal(sample.length, 2);
  assert.deepEqual(selectPairs(videos, 2, seededRandom(7)), sample);
  assert.equal(selectPairs(videos, 99, seededRandom(1)).length, 4);
});

test('system arguments, genres files', (t) => {
  assert.deepEqual(parseSystemArgument('v2meow=out/v2meow'), { name: 'v2meow', dir: 'out/v2meow' });
  assert.throws(() => parseSystemArgument('nodir'), V2meowError);
  assert.throws(() => parseSystemArgument('../x=dir'), V2meowError);
  const dir = testDir(t, 'v2meow-genres-');
  writeFileSync(join(dir, 'g.csv'), 'video,genre\nclip0,jazz\nclip1, rock \n');
  assert.deepEqual(
    [...readGenres(join(dir, 'g.csv'))],
    [
      ['clip0', 'jazz'],
      ['clip1', 'rock'],
    ],
  );
  writeFileSync(join(dir, 'g.json'), '{"clip0": 3}');
  assert.throws(
    () => readGenres(join(dir, 'g.json')),
    (error: unknown) => (error as V2meowError).code === 'BAD_FORMAT',
  );
});

test('matching by file name warns about gaps and leaves out videos with one soundtrack', (t) => {
  const dir = testDir(t, 'v2meow-match-');
  const { videosDir, systemDirs } = makeStudyInputs(dir, 2);
  rmSync(join(systemDirs.lowpass!, 'clip1.wav'));
  rmSync(join(systemDirs.other!, 'clip1.wav'));
  writeFileSync(join(systemDirs.other!, 'stray.wav'), '');
  const result = matchSources(videosDir, [
    { name: 'original', dir: systemDirs.original! },
    { name: 'lowpass', dir: systemDirs.lowpass! },
    { name: 'other', dir: systemDirs.other! },
  ]);
  assert.deepEqual(
    result.videos.map((video) => [video.name, [...video.soundtracks.keys()]]),
    [['clip0', ['original', 'lowpass', 'other']]],
  );
  assert.deepEqual(result.warnings, [
    'clip1: no soundtrack from lowpass, other',
    'clip1: left out (fewer than two soundtracks)',
    'other: stray matches no video; ignored',
  ]);
  assert.throws(
    () => matchSources(videosDir, [{ name: 'original', dir: systemDirs.original! }]),
    /at least two --system/,
  );
  assert.throws(
    () =>
      matchSources(join(dir, 'missing'), [
        { name: 'a', dir },
        { name: 'b', dir },
      ]),
    (error: unknown) => (error as V2meowError).code === 'FILE_NOT_FOUND',
  );
});

test('the study folder holds the database and one playable clip per (video, system) under opaque names', async (t) => {
  const studyDir = await makeStudy(t, 2);
  const files = readdirSync(join(studyDir, 'media')).sort();
  assert.equal(files.length, 6);
  for (const file of files) assert.match(file, /^[0-9a-f]{16}\.mp4$/);
  const info = await probe(join(studyDir, 'media', files[0]!));
  assert.ok(info.hasVideo && info.hasAudio);
  assert.equal(info.streams.find((stream) => stream.type === 'audio')!.codec, 'aac');
  assert.ok(Math.abs(info.durationSec - 1.5) < 0.15, String(info.durationSec));
  const database = openStudyDatabase(studyDir, { readonly: true });
  const counts = database
    .prepare('SELECT (SELECT COUNT(*) FROM pairs) AS pairs, (SELECT COUNT(*) FROM clips) AS clips')
    .get();
  assert.deepEqual(counts, { pairs: 6, clips: 6 });
  assert.equal(database.pragma('journal_mode', { simple: true }), 'wal');
  database.close();
  // A second create into the same folder is refused.
  await assert.rejects(
    createStudy({ videosDir: studyDir, systems: [], outputDir: studyDir }),
    (error: unknown) => (error as V2meowError).code === 'BAD_ARGUMENT',
  );
});

test('videos in codecs browsers cannot play are transcoded to H.264', async (t) => {
  const dir = testDir(t, 'v2meow-mpeg4-');
  const { videosDir, systemDirs } = makeStudyInputs(dir, 1);
  rmSync(join(videosDir, 'clip0.mp4'));
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=96x64:rate=10:duration=1',
    '-c:v',
    'mpeg4',
    join(videosDir, 'clip0.avi'),
  ]);
  mkdirSync(join(dir, 'out'));
  const result = await createStudy({
    videosDir,
    systems: [
      { name: 'original', dir: systemDirs.original! },
      { name: 'other', dir: systemDirs.other! },
    ],
    outputDir: join(dir, 'out', 'study'),
  });
  assert.equal(result.pairs, 1);
  const [file] = readdirSync(join(result.studyDir, 'media'));
  const info = await probe(join(result.studyDir, 'media', file!));
  assert.equal(info.streams.find((stream) => stream.type === 'video')!.codec, 'h264');
  assert.deepEqual(readdirSync(join(dir, 'out')), ['study']);
});
