// `study report` on a study seeded with known ratings: shares, win rates and exact intervals, careless raters
// excluded via control pairs, per-genre breakdown, Markdown, JSON and PNG plots through the CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type Answer,
  answerFromScore,
  buildReport,
  createRater,
  nextAssignment,
  openStudyDatabase,
  type StudyDatabase,
  submitRating,
} from '../../src/study/index.js';
import { repoRoot } from '../helpers.js';
import { type Cleanup, makeStudy, testDir } from './fixture.js';

/** Systems on screen for an assignment: [A, B]. */
function sides(database: StudyDatabase, assignmentId: number): [string, string, boolean] {
  const row = database
    .prepare(
      `SELECT a.swapped, fs.name AS first, ss.name AS second, p.is_control AS control FROM assignments a
       JOIN pairs p ON p.id = a.pair_id JOIN clips f ON f.id = p.first_clip_id JOIN systems fs ON fs.id = f.system_id
       JOIN clips s ON s.id = p.second_clip_id JOIN systems ss ON ss.id = s.system_id WHERE a.id = ?`,
    )
    .get(assignmentId) as { swapped: number; first: string; second: string; control: number };
  return row.swapped
    ? [row.second, row.first, row.control === 1]
    : [row.first, row.second, row.control === 1];
}

/** The on-screen answer for a preference of `strength` (0 none, 1 weak, 2 strong) for `system`. */
function answerFor(screen: [string, string, boolean], system: string | null, strength: number): Answer {
  if (system === null || strength === 0) return 'none';
  return answerFromScore(system === screen[0] ? -strength : strength);
}

async function seededStudy(cleanup: Cleanup): Promise<string> {
  const studyDir = await makeStudy(cleanup, 2, {
    ratersPerPair: 4,
    pairsPerRater: 7,
    controlsPerRater: 1,
    genres: new Map([
      ['clip0', 'jazz'],
      ['clip1', 'orchestral'],
    ]),
  });
  const database = openStudyDatabase(studyDir);
  // Raters 0-2 are careful; rater 3 answers "strongly A" everywhere, controls included.
  for (let rater = 0; rater < 4; rater++) {
    const id = createRater(database);
    for (;;) {
      const view = nextAssignment(database, id);
      if (view.done) break;
      const screen = sides(database, view.assignmentId);
      let relevance: Answer;
      let preference: Answer;
      if (rater === 3) [relevance, preference] = ['strongA', 'strongA'];
      else if (screen[2]) [relevance, preference] = ['none', rater === 1 ? 'weakB' : 'none'];
      else {
        const systems = [screen[0], screen[1]];
        // Relevance: "original" wins strong/weak/tie by rater; lowpass vs other: strong lowpass, weak other, tie.
        const relevanceWinner = systems.includes('original') ? 'original' : rater === 1 ? 'other' : 'lowpass';
        relevance = answerFor(screen, relevanceWinner, [2, 1, 0][rater]!);
        // Preference: always a strong preference for the pair's second system (name order).
        preference = answerFor(screen, [...systems].sort()[1]!, 2);
      }
      submitRating(database, id, { assignmentId: view.assignmentId, relevance, preference });
    }
  }
  database.close();
  return studyDir;
}

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-4, `${actual} != ${expected}`);

test('report on known ratings: shares, win rates, exact intervals, careless raters left out', async (t) => {
  const studyDir = await seededStudy(t);
  const database = openStudyDatabase(studyDir, { readonly: true });
  const report = buildReport(database);
  database.close();
  assert.deepEqual(report.raters, { active: 4, checked: 4, careless: 1 });
  assert.deepEqual(report.ratings, { total: 28, used: 18, excluded: 6, controls: 4 });
  const find = (question: string, first: string, second: string) =>
    report.comparisons.find(
      (row) => row.question === question && row.first === first && row.second === second,
    )!;
  const edge = 0.025 ** (1 / 4);

  const lowOriginal = find('relevance', 'lowpass', 'original');
  assert.deepEqual(lowOriginal.counts, [0, 0, 2, 2, 2]);
  assert.equal(lowOriginal.firstWinRate, 0);
  close(lowOriginal.firstWinInterval.high, 1 - edge);
  const originalOther = find('relevance', 'original', 'other');
  assert.deepEqual(originalOther.counts, [2, 2, 2, 0, 0]);
  assert.equal(originalOther.firstWinRate, 1);
  close(originalOther.firstWinInterval.low, edge);
  const lowOther = find('relevance', 'lowpass', 'other');
  assert.deepEqual(lowOther.counts, [2, 0, 2, 2, 0]);
  assert.equal(lowOther.firstWinRate, 0.5);
  close(lowOther.firstWinInterval.low, 0.06759);
  close(lowOther.firstWinInterval.high, 0.93241);
  assert.deepEqual(
    lowOther.shares.map((share) => Math.round(share * 1000) / 1000),
    [0.333, 0, 0.333, 0.333, 0],
  );
  for (const row of report.comparisons.filter((comparison) => comparison.question === 'preference')) {
    assert.deepEqual(row.counts, [0, 0, 0, 0, 6]);
    close(row.firstWinInterval.high, 1 - 0.025 ** (1 / 6));
  }
  const original = report.systems.find((row) => row.system === 'original' && row.question === 'relevance')!;
  assert.deepEqual([original.wins, original.losses, original.ties, original.winRate], [8, 0, 4, 1]);
  close(original.winInterval.low, 0.025 ** (1 / 8));
  assert.deepEqual(
    report.byGenre.map((group) => [group.name, group.comparisons.map((row) => row.ratings)]),
    [
      ['jazz', [3, 3, 3, 3, 3, 3]],
      ['orchestral', [3, 3, 3, 3, 3, 3]],
    ],
  );
  assert.deepEqual(
    report.byVideo.map((group) => group.name),
    ['clip0', 'clip1'],
  );
});

test('study report CLI writes Markdown, JSON and the PNG plots', async (t) => {
  const studyDir = await seededStudy(t);
  const outputDir = testDir(t, 'v2meow-report-');
  const cli = join(repoRoot, 'bin', 'v2meow.js');
  execFileSync(
    process.execPath,
    [
      cli,
      'study',
      'report',
      studyDir,
      '-o',
      join(outputDir, 'report.md'),
      '--plots',
      join(outputDir, 'plots'),
    ],
    {
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  const markdown = readFileSync(join(outputDir, 'report.md'), 'utf8');
  assert.match(markdown, /## visual relevance: "Which music do you think goes best with the video\?"/);
  assert.match(
    markdown,
    /\| lowpass \| other \| 6 \| 33\.3% \| 0\.0% \| 33\.3% \| 33\.3% \| 0\.0% \| 50\.0% \[6\.8%, 93\.2%\] \|/,
  );
  assert.match(markdown, /1 careless raters/);
  assert.match(markdown, /!\[visual relevance\]\(plots\/relevance\.png\)/);
  for (const name of ['relevance.png', 'preference.png']) {
    const png = readFileSync(join(outputDir, 'plots', name));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    assert.ok(width >= 800 && height >= 200, `${width}x${height}`);
  }
  const json = JSON.parse(
    execFileSync(process.execPath, [cli, 'study', 'report', studyDir, '--json'], { encoding: 'utf8' }),
  ) as { comparisons: { firstWinRate: number | null }[]; ratings: { used: number } };
  assert.equal(json.ratings.used, 18);
  assert.equal(json.comparisons.length, 6);
  assert.ok(existsSync(join(outputDir, 'plots', 'relevance.png')));
});
