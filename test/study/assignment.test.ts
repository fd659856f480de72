// Assignment rules: quotas, never the same pair twice, A/B balance, exactly-once ratings, held assignments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { V2meowError } from '../../src/errors.js';
import {
  createRater,
  nextAssignment,
  openStudyDatabase,
  type StudyDatabase,
  studyProgress,
  submitRating,
} from '../../src/study/index.js';
import { seededRandom } from '../../src/study/random.js';
import { makeStudy } from './fixture.js';

function pairOf(database: StudyDatabase, assignmentId: number): number {
  return (
    database.prepare('SELECT pair_id FROM assignments WHERE id = ?').get(assignmentId) as { pair_id: number }
  ).pair_id;
}

function rateAll(database: StudyDatabase, rater: string): number[] {
  const pairs: number[] = [];
  for (;;) {
    const view = nextAssignment(database, rater);
    if (view.done) return pairs;
    pairs.push(pairOf(database, view.assignmentId));
    submitRating(database, rater, {
      assignmentId: view.assignmentId,
      relevance: 'weakA',
      preference: 'none',
    });
  }
}

test('quotas are filled exactly and no rater sees a pair twice', async (t) => {
  const database = openStudyDatabase(await makeStudy(t, 2, { ratersPerPair: 3, pairsPerRater: 10 }));
  const seen: number[][] = [];
  for (let index = 0; index < 4; index++) seen.push(rateAll(database, createRater(database)));
  for (const pairs of seen) assert.equal(new Set(pairs).size, pairs.length);
  assert.deepEqual(
    seen.map((pairs) => pairs.length),
    [6, 6, 6, 0],
  );
  const counts = database
    .prepare(
      'SELECT COUNT(*) AS n FROM ratings r JOIN assignments a ON a.id = r.assignment_id GROUP BY a.pair_id',
    )
    .all() as { n: number }[];
  assert.deepEqual(
    counts.map((row) => row.n),
    [3, 3, 3, 3, 3, 3],
  );
  // Sides alternate across a pair's raters: of 3 raters, one or two see it swapped, never 0 or 3.
  const swaps = database.prepare('SELECT SUM(swapped) AS s FROM assignments GROUP BY pair_id').all() as {
    s: number;
  }[];
  for (const row of swaps) assert.ok(row.s === 1 || row.s === 2);
  database.close();
});

test('reloading returns the open assignment; ratings are stored once', async (t) => {
  const database = openStudyDatabase(await makeStudy(t, 2));
  const rater = createRater(database);
  const other = createRater(database);
  const first = nextAssignment(database, rater);
  const again = nextAssignment(database, rater);
  assert.equal(first.done, false);
  assert.deepEqual(again, first);
  if (first.done) return;
  assert.equal(first.position, 1);
  assert.equal(first.total, 10);
  assert.notEqual(first.clipA, first.clipB);
  assert.throws(
    () =>
      submitRating(database, other, {
        assignmentId: first.assignmentId,
        relevance: 'none',
        preference: 'none',
      }),
    (error: unknown) => error instanceof V2meowError && error.code === 'FORBIDDEN',
  );
  assert.throws(
    () => submitRating(database, rater, { assignmentId: 999, relevance: 'none', preference: 'none' }),
    (error: unknown) => error instanceof V2meowError && error.code === 'NOT_FOUND',
  );
  const input = { assignmentId: first.assignmentId, relevance: 'strongB', preference: 'weakA' } as const;
  assert.deepEqual(submitRating(database, rater, input), { duplicate: false, rated: 1, total: 10 });
  assert.deepEqual(submitRating(database, rater, input), { duplicate: true, rated: 1, total: 10 });
  assert.throws(
    () => submitRating(database, rater, { ...input, preference: 'none' }),
    (error: unknown) => error instanceof V2meowError && error.code === 'CONFLICT',
  );
  const rows = database.prepare('SELECT relevance, preference FROM ratings').all();
  assert.deepEqual(rows, [{ relevance: 2, preference: -1 }]);
  assert.throws(() => nextAssignment(database, 'not-a-rater'), /unknown rater/);
  database.close();
});

test('an unanswered assignment holds its place until it expires', async (t) => {
  const database = openStudyDatabase(await makeStudy(t, 1, { ratersPerPair: 1, pairsPerRater: 3 }));
  const start = new Date('2030-01-01T00:00:00Z');
  const slow = createRater(database, { now: start });
  const held = nextAssignment(database, slow, { now: start });
  assert.equal(held.done, false);
  if (held.done) return;
  // 3 pairs, quota 1, one held: another rater gets only the 2 others.
  const fast = createRater(database, { now: start });
  const fastPairs: number[] = [];
  for (;;) {
    const view = nextAssignment(database, fast, { now: start });
    if (view.done) break;
    fastPairs.push(pairOf(database, view.assignmentId));
    submitRating(database, fast, { assignmentId: view.assignmentId, relevance: 'none', preference: 'none' });
  }
  assert.equal(fastPairs.length, 2);
  assert.ok(!fastPairs.includes(pairOf(database, held.assignmentId)));
  // After the hold expires a third rater takes it and rates it first; the slow rater's late rating conflicts.
  const later = new Date(start.getTime() + 31 * 60 * 1000);
  const third = createRater(database, { now: later });
  const taken = nextAssignment(database, third, { now: later });
  assert.equal(taken.done, false);
  if (taken.done) return;
  assert.equal(pairOf(database, taken.assignmentId), pairOf(database, held.assignmentId));
  submitRating(database, third, { assignmentId: taken.assignmentId, relevance: 'none', preference: 'none' });
  assert.throws(
    () =>
      submitRating(database, slow, {
        assignmentId: held.assignmentId,
        relevance: 'none',
        preference: 'none',
      }),
    (error: unknown) => error instanceof V2meowError && error.code === 'CONFLICT',
  );
  // The slow rater moves on: the stale assignment is dropped and nothing is left for them.
  assert.equal(nextAssignment(database, slow, { now: later }).done, true);
  database.close();
});

test("control pairs show the same clip on both sides at the rater's control positions", async (t) => {
  const database = openStudyDatabase(await makeStudy(t, 2, { pairsPerRater: 4, controlsPerRater: 1 }));
  const rater = createRater(database);
  const slots = JSON.parse(
    (
      database.prepare('SELECT control_slots FROM raters WHERE id = ?').get(rater) as {
        control_slots: string;
      }
    ).control_slots,
  ) as number[];
  assert.equal(slots.length, 1);
  assert.ok(slots[0]! >= 1 && slots[0]! <= 3);
  const views = [];
  for (;;) {
    const view = nextAssignment(database, rater);
    if (view.done) break;
    views.push(view);
    submitRating(database, rater, { assignmentId: view.assignmentId, relevance: 'none', preference: 'none' });
  }
  assert.equal(views.length, 4);
  views.forEach((view, position) => {
    assert.equal(view.clipA === view.clipB, position === slots[0]);
  });
  database.close();
});

test('raters interleaved at random: quotas never exceeded, and a rater finished early leaves no place behind that they could take', async (t) => {
  // 12 pairs x 3 places = 6 raters x 6 pairs. Online assignment cannot always pack this exactly; whatever it
  // leaves must be places the stopped raters have already rated, and newcomers must fill them.
  const random = seededRandom(11);
  let leftOverRuns = 0;
  for (let run = 0; run < 12; run++) {
    const studyDir = await makeStudy(t, 4, { ratersPerPair: 3, pairsPerRater: 6 });
    const database = openStudyDatabase(studyDir);
    const raters = Array.from({ length: 6 }, () => createRater(database));
    const held = new Map<string, number>();
    const finished = new Set<string>();
    while (finished.size < raters.length) {
      const rater = raters[Math.floor(random() * raters.length)]!;
      if (finished.has(rater)) continue;
      const assignmentId = held.get(rater);
      if (assignmentId !== undefined) {
        submitRating(database, rater, { assignmentId, relevance: 'none', preference: 'none' });
        held.delete(rater);
        continue;
      }
      const view = nextAssignment(database, rater);
      if (view.done) finished.add(rater);
      else held.set(rater, view.assignmentId);
    }
    const ratedPairs = (rater: string) =>
      (
        database
          .prepare(
            'SELECT a.pair_id FROM assignments a JOIN ratings r ON r.assignment_id = a.id WHERE rater_id = ?',
          )
          .all(rater) as { pair_id: number }[]
      ).map((row) => row.pair_id);
    const rooms = database
      .prepare(
        `SELECT p.id, p.quota - COUNT(r.assignment_id) AS room FROM pairs p LEFT JOIN assignments a
         ON a.pair_id = p.id LEFT JOIN ratings r ON r.assignment_id = a.id GROUP BY p.id`,
      )
      .all() as { id: number; room: number }[];
    for (const pair of rooms) assert.ok(pair.room >= 0);
    const short = rooms.filter((pair) => pair.room > 0);
    const missing = short.reduce((sum, pair) => sum + pair.room, 0);
    let stoppedEarly = 0;
    for (const rater of raters) {
      const pairs = ratedPairs(rater);
      assert.equal(new Set(pairs).size, pairs.length);
      stoppedEarly += 6 - pairs.length;
      if (pairs.length < 6) for (const pair of short) assert.ok(pairs.includes(pair.id));
    }
    assert.equal(stoppedEarly, missing);
    if (missing > 0) leftOverRuns++;
    let newcomerRatings = 0;
    for (let count = 0; newcomerRatings < missing && count < 3; count++)
      newcomerRatings += rateAll(database, createRater(database)).length;
    assert.equal(newcomerRatings, missing);
    database.close();
  }
  // About a third of such runs leave a place or two over (pairs are drawn with node:crypto, so not seeded).
  t.diagnostic(`runs with places left over for newcomers: ${leftOverRuns} of 12`);
});

test('an idle rater releases the pair sooner; an active one keeps it (issue 16)', async (t) => {
  const database = openStudyDatabase(await makeStudy(t, 1, { ratersPerPair: 1, pairsPerRater: 3 }));
  const start = new Date('2030-01-01T00:00:00Z');
  const at = (minutes: number) => ({ now: new Date(start.getTime() + minutes * 60_000) });
  const idle = createRater(database, at(0));
  const active = createRater(database, at(0));
  const idleView = nextAssignment(database, idle, at(0));
  const activeView = nextAssignment(database, active, at(0));
  assert.ok(!idleView.done && !activeView.done);
  if (idleView.done || activeView.done) return;
  // The active rater keeps asking (a reload at 8 minutes); the idle one is not heard from again.
  nextAssignment(database, active, at(8));
  assert.equal(studyProgress(database, at(9)).reserved, 2);
  // At 11 minutes the idle rater's pair is free again (hold 30 min, idle 10 min); the active one's is not.
  assert.equal(studyProgress(database, at(11)).reserved, 1);
  const third = createRater(database, at(11));
  const pairs: number[] = [];
  for (;;) {
    const view = nextAssignment(database, third, at(11));
    if (view.done) break;
    pairs.push(pairOf(database, view.assignmentId));
    submitRating(database, third, { assignmentId: view.assignmentId, relevance: 'none', preference: 'none' });
  }
  assert.ok(pairs.includes(pairOf(database, idleView.assignmentId)));
  assert.ok(!pairs.includes(pairOf(database, activeView.assignmentId)));
  database.close();
});
