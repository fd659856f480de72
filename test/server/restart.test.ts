// Killing the server (SIGKILL, mid-request) and starting it again loses no confirmed rating, and raters carry
// on where they were: the assignments they held come back to them, and every place of every pair gets rated
// (by newcomers where the online assignment could not pack the original raters exactly). Runs the real CLI
// (`v2meow study serve`) as a child process.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { answers, openStudyDatabase } from '../../src/study/index.js';
import { repoRoot } from '../helpers.js';
import { makeStudy } from '../study/fixture.js';
import { ScriptedRater } from './client.js';

function serve(studyDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'v2meow.js'), 'study', 'serve', studyDir, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /raters: (http:\/\/\S+)\//.exec(output);
      if (match) resolve({ child, url: match[1]! });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${output}`)));
  });
}

interface LeftOver {
  /** Non-control pairs below their quota, with the number of places still open. */
  readonly pairs: { id: number; room: number }[];
  /** Raters with fewer than `pairsPerRater` ratings, with the pairs they have rated. */
  readonly raters: { id: string; pairs: number[] }[];
  /** Assignments handed out and not rated. */
  readonly openAssignments: number;
}

/** What the study still lacks, read from the database (a reader beside the running server: WAL). */
function leftOver(studyDir: string, pairsPerRater = 6): LeftOver {
  const database = openStudyDatabase(studyDir, { readonly: true });
  try {
    const pairs = database
      .prepare(
        `SELECT p.id, p.quota - COUNT(r.assignment_id) AS room FROM pairs p
         LEFT JOIN assignments a ON a.pair_id = p.id LEFT JOIN ratings r ON r.assignment_id = a.id
         WHERE p.is_control = 0 GROUP BY p.id HAVING room > 0`,
      )
      .all() as { id: number; room: number }[];
    const raters = (
      database
        .prepare(
          `SELECT t.id, json_group_array(a.pair_id) FILTER (WHERE r.assignment_id IS NOT NULL) AS pairs
           FROM raters t LEFT JOIN assignments a ON a.rater_id = t.id LEFT JOIN ratings r ON r.assignment_id = a.id
           GROUP BY t.id`,
        )
        .all() as { id: string; pairs: string }[]
    )
      .map((row) => ({ id: row.id, pairs: JSON.parse(row.pairs) as number[] }))
      .filter((rater) => rater.pairs.length < pairsPerRater);
    const open = database
      .prepare(
        `SELECT COUNT(*) AS n FROM assignments a LEFT JOIN ratings r ON r.assignment_id = a.id
         WHERE r.assignment_id IS NULL`,
      )
      .get() as { n: number };
    return { pairs, raters, openAssignments: open.n };
  } finally {
    database.close();
  }
}

test('SIGKILL mid-study and restart: every confirmed rating survives and raters continue', async (t) => {
  const studyDir = await makeStudy(t, 4, { ratersPerPair: 3, pairsPerRater: 6 });
  const first = await serve(studyDir);
  t.after(() => first.child.kill('SIGKILL')); // when an assertion fails before the planned kill
  const raters = Array.from({ length: 6 }, () => new ScriptedRater(first.url));
  await Promise.all(raters.map((rater) => rater.start()));
  const confirmed = new Map<number, { relevance: number; preference: number }>();
  let killed = false;
  const rateUntilKilled = async (rater: ScriptedRater, index: number) => {
    for (let step = 0; !killed; step++) {
      try {
        const next = await rater.call('GET', '/api/next');
        if (next.body.done) return;
        const rating = {
          assignmentId: next.body.assignmentId as number,
          relevance: answers[(index + step) % 5]!,
          preference: answers[(index + 2 * step) % 5]!,
        };
        const reply = await rater.call('POST', '/api/ratings', rating);
        if (reply.status === 200)
          confirmed.set(rating.assignmentId, {
            relevance: answers.indexOf(rating.relevance) - 2,
            preference: answers.indexOf(rating.preference) - 2,
          });
        if (confirmed.size >= 10 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      } catch {
        return; // connection refused or reset: the server is gone
      }
    }
  };
  await Promise.all(raters.map(rateUntilKilled));
  await new Promise((resolve) =>
    first.child.exitCode !== null || first.child.signalCode ? resolve(0) : first.child.once('exit', resolve),
  );
  assert.equal(first.child.signalCode, 'SIGKILL');

  const check = openStudyDatabase(studyDir, { readonly: true });
  assert.equal((check.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
  const stored = new Map(
    (
      check.prepare('SELECT assignment_id AS id, relevance, preference FROM ratings').all() as {
        id: number;
        relevance: number;
        preference: number;
      }[]
    ).map((row) => [row.id, { relevance: row.relevance, preference: row.preference }]),
  );
  check.close();
  assert.ok(confirmed.size >= 10);
  for (const [id, rating] of confirmed)
    assert.deepEqual(stored.get(id), rating, `confirmed rating ${id} lost`);

  // Restart on the same folder: the same raters (cookies) finish the study. Assignments they held when the
  // server died are handed back to them, so every answer is accepted (200: no place lost or given twice).
  const second = await serve(studyDir);
  const finish = async (rater: ScriptedRater): Promise<number> => {
    for (let rated = 0; ; rated++) {
      const next = await rater.call('GET', '/api/next');
      assert.equal(next.status, 200);
      if (next.body.done) return rated;
      const reply = await rater.call('POST', '/api/ratings', {
        assignmentId: next.body.assignmentId,
        relevance: 'none',
        preference: 'none',
      });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
    }
  };
  let newcomerRatings = 0;
  try {
    for (const rater of raters) {
      const moved = new ScriptedRater(second.url);
      moved.cookie = rater.cookie;
      await finish(moved);
    }
    // 6 raters x 6 pairs = 12 pairs x 3 places, but assigning pairs online (emptiest first, no repeats)
    // cannot always pack them exactly: a rater is finished early when every pair with room left is one they
    // have already rated (random interleavings without any crash do this too). Such a place is not lost.
    const left = leftOver(studyDir);
    assert.equal(left.openAssignments, 0);
    const missing = left.pairs.reduce((sum, pair) => sum + pair.room, 0);
    assert.equal(
      left.raters.reduce((sum, rater) => sum + (6 - rater.pairs.length), 0),
      missing,
    );
    for (const rater of left.raters)
      for (const pair of left.pairs)
        assert.ok(rater.pairs.includes(pair.id), `pair ${pair.id} had room for a rater who stopped early`);
    // The places left over go to the next raters who come.
    for (let count = 0; newcomerRatings < missing && count < 3; count++) {
      const newcomer = new ScriptedRater(second.url);
      await newcomer.start();
      newcomerRatings += await finish(newcomer);
    }
    assert.equal(newcomerRatings, missing);
    t.diagnostic(`places left over for newcomers: ${missing}`);
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  }
  const final = openStudyDatabase(studyDir, { readonly: true });
  const total = (final.prepare('SELECT COUNT(*) AS n FROM ratings').get() as { n: number }).n;
  const full = final
    .prepare(
      `SELECT COUNT(*) AS n FROM (SELECT a.pair_id FROM ratings r JOIN assignments a ON a.id = r.assignment_id
       GROUP BY a.pair_id HAVING COUNT(*) = 3)`,
    )
    .get() as { n: number };
  for (const [id, rating] of confirmed)
    assert.deepEqual(
      final.prepare('SELECT relevance, preference FROM ratings WHERE assignment_id = ?').get(id),
      rating,
    );
  final.close();
  // Every one of the 12 pairs x 3 places is rated, whether by the 6 raters alone or with newcomers.
  assert.equal(total, 36);
  assert.equal(full.n, 12);
});
