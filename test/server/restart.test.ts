// Killing the server (SIGKILL, mid-request) and starting it again loses no confirmed rating, and raters carry
// on where they were. Runs the real CLI (`v2meow study serve`) as a child process.
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

test('SIGKILL mid-study and restart: every confirmed rating survives and raters continue', async () => {
  const studyDir = await makeStudy(4, { ratersPerPair: 3, pairsPerRater: 6 });
  const first = await serve(studyDir);
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

  // Restart on the same folder: the same raters (cookies) finish the study.
  const second = await serve(studyDir);
  try {
    for (const rater of raters) {
      const moved = new ScriptedRater(second.url);
      moved.cookie = rater.cookie;
      for (;;) {
        const next = await moved.call('GET', '/api/next');
        assert.equal(next.status, 200);
        if (next.body.done) break;
        const reply = await moved.call('POST', '/api/ratings', {
          assignmentId: next.body.assignmentId,
          relevance: 'none',
          preference: 'none',
        });
        assert.ok(reply.status === 200 || reply.status === 409, JSON.stringify(reply.body));
      }
    }
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
  // 6 raters x 6 pairs = 36 = 12 pairs x 3: everything gets filled exactly.
  assert.equal(total, 36);
  assert.equal(full.n, 12);
});
