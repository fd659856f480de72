// The rater web app over real HTTP: 20 concurrent raters (each rating stored once, quotas respected), and
// hostile or broken requests answered with 4xx while the server keeps serving.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { type StudyServer, startStudyServer } from '../../src/server/index.js';
import { answers, openStudyDatabase } from '../../src/study/index.js';
import { makeStudy } from '../study/fixture.js';
import { rawGet, ScriptedRater } from './client.js';

test('20 raters submitting concurrently: every rating stored exactly once, quotas respected', async (t) => {
  // 4 videos x 3 systems = 12 pairs x 3 raters = 36 places for 20 raters x 4 pairs = 80 offers.
  const studyDir = await makeStudy(t, 4, { ratersPerPair: 3, pairsPerRater: 4 });
  // All 20 raters share one address here, as a lab behind one NAT would: the per-address limits are raised.
  const server = await startStudyServer({
    studyDir,
    port: 0,
    log: () => {},
    limits: { pendingPerAddress: 20, ratersPerAddressPerHour: 100 },
  });
  const sent = new Map<number, { rater: string; relevance: string; preference: string }>();
  try {
    const raters = Array.from({ length: 20 }, () => new ScriptedRater(server.url));
    await Promise.all(
      raters.map(async (rater, raterIndex) => {
        await rater.start();
        for (let step = 0; ; step++) {
          const next = await rater.call('GET', '/api/next');
          assert.equal(next.status, 200);
          if (next.body.done) break;
          const rating = {
            assignmentId: next.body.assignmentId as number,
            relevance: answers[(raterIndex + step) % 5]!,
            preference: answers[(raterIndex * 3 + step) % 5]!,
          };
          const stored = await rater.call('POST', '/api/ratings', rating);
          assert.equal(stored.status, 200, JSON.stringify(stored.body));
          assert.equal(stored.body.duplicate, false);
          // A client retry of the same rating is recognised, not stored twice.
          const retried = await rater.call('POST', '/api/ratings', rating);
          assert.equal(retried.status, 200);
          assert.equal(retried.body.duplicate, true);
          assert.ok(!sent.has(rating.assignmentId));
          sent.set(rating.assignmentId, { rater: rater.cookie, ...rating });
        }
      }),
    );
  } finally {
    await server.close();
  }
  const database = openStudyDatabase(studyDir, { readonly: true });
  const rows = database
    .prepare(
      `SELECT r.assignment_id AS id, a.rater_id AS rater, a.pair_id AS pair, r.relevance, r.preference
       FROM ratings r JOIN assignments a ON a.id = r.assignment_id`,
    )
    .all() as { id: number; rater: string; pair: number; relevance: number; preference: number }[];
  database.close();
  assert.equal(rows.length, 36);
  assert.equal(sent.size, 36);
  for (const row of rows) {
    const mine = sent.get(row.id)!;
    assert.equal(mine.rater, `v2meow_rater=${row.rater}`);
    assert.equal(row.relevance, answers.indexOf(mine.relevance as never) - 2);
    assert.equal(row.preference, answers.indexOf(mine.preference as never) - 2);
  }
  const perPair = new Map<number, Set<string>>();
  for (const row of rows) perPair.set(row.pair, (perPair.get(row.pair) ?? new Set()).add(row.rater));
  assert.equal(perPair.size, 12);
  for (const raters of perPair.values()) assert.equal(raters.size, 3);
});

let server: StudyServer;
let studyDir: string;
// node:test's `after` called inside `before` would run as soon as `before` ends; collect the removal here.
const removals: (() => void)[] = [];
before(async () => {
  studyDir = await makeStudy({ after: (removal) => removals.push(removal) }, 2);
  server = await startStudyServer({ studyDir, port: 0, log: () => {} });
});
after(async () => {
  await server.close();
  for (const removal of removals) removal();
});

test('hostile and broken requests get 4xx and the server keeps serving', async () => {
  const alice = new ScriptedRater(server.url);
  const bob = new ScriptedRater(server.url);
  await alice.start();
  await bob.start();
  const pair = await alice.call('GET', '/api/next');
  const assignmentId = pair.body.assignmentId as number;
  const clip = pair.body.clipA as string;
  const good = { assignmentId, relevance: 'weakA', preference: 'strongB' };

  const statuses: Record<string, number> = {
    noSession: (await new ScriptedRater(server.url).call('POST', '/api/ratings', good)).status,
    forgedSession: (
      await bob.call('GET', '/api/next', undefined, { cookie: 'v2meow_rater=AAAAAAAAAAAAAAAAAAAAAA' })
    ).status,
    notJson: (await alice.call('POST', '/api/ratings', '{"assignmentId": 1,')).status,
    wrongContentType: (
      await alice.call('POST', '/api/ratings', JSON.stringify(good), { 'content-type': 'text/plain' })
    ).status,
    badAnswer: (await alice.call('POST', '/api/ratings', { ...good, relevance: 'strongC' })).status,
    missingAnswer: (await alice.call('POST', '/api/ratings', { assignmentId, relevance: 'none' })).status,
    extraField: (await alice.call('POST', '/api/ratings', { ...good, rater: 'x' })).status,
    badId: (await alice.call('POST', '/api/ratings', { ...good, assignmentId: '1; DROP TABLE ratings' }))
      .status,
    arrayBody: (await alice.call('POST', '/api/ratings', [good])).status,
    unknownAssignment: (await alice.call('POST', '/api/ratings', { ...good, assignmentId: 4242 })).status,
    othersAssignment: (await bob.call('POST', '/api/ratings', good)).status,
    crossSite: (await alice.call('POST', '/api/ratings', good, { origin: 'https://evil.example' })).status,
    oversized: (await alice.call('POST', '/api/ratings', { ...good, padding: 'x'.repeat(200_000) })).status,
    traversal: await rawGet(server.url, '/media/../study.sqlite'),
    encodedTraversal: await rawGet(server.url, '/media/..%2fstudy.sqlite'),
    absolute: await rawGet(server.url, '/media/%2Fetc%2Fpasswd'),
    badEncoding: await rawGet(server.url, '/media/%E0%A4%A'),
    database: await rawGet(server.url, '/study.sqlite'),
    adminNoToken: (await alice.call('GET', '/api/admin/progress')).status,
    adminWrongToken: (
      await alice.call('GET', '/api/admin/progress', undefined, { authorization: 'Bearer nope' })
    ).status,
    wrongMethod: (await alice.call('DELETE', '/api/ratings')).status,
  };
  assert.deepEqual(statuses, {
    noSession: 403,
    forgedSession: 403,
    notJson: 400,
    wrongContentType: 415,
    badAnswer: 400,
    missingAnswer: 400,
    extraField: 400,
    badId: 400,
    arrayBody: 400,
    unknownAssignment: 404,
    othersAssignment: 403,
    crossSite: 403,
    oversized: 413,
    traversal: 404,
    encodedTraversal: 404,
    absolute: 404,
    badEncoding: 400,
    database: 404,
    adminNoToken: 401,
    adminWrongToken: 401,
    wrongMethod: 405,
  });
  // Garbage that is not HTTP at all.
  const garbage = await new Promise<string>((resolve) => {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () =>
      socket.write('\x00\x01 NOT HTTP\r\n\r\n'),
    );
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('close', () => resolve(text));
  });
  assert.match(garbage, /^HTTP\/1\.1 400/);

  // Still serving: the page, a clip (with ranges), the valid rating, the admin view.
  assert.equal((await alice.call('GET', '/')).status, 200);
  const ranged = await fetch(`${server.url}/media/${clip}`, { headers: { range: 'bytes=0-99' } });
  assert.equal(ranged.status, 206);
  assert.equal((await ranged.arrayBuffer()).byteLength, 100);
  assert.equal((await alice.call('POST', '/api/ratings', good)).status, 200);
  const progress = await alice.call('GET', '/api/admin/progress', undefined, {
    authorization: `Bearer ${server.adminToken}`,
  });
  assert.equal(progress.status, 200);
  assert.equal(progress.body.ratings, 1);
  const html = await fetch(`${server.url}/admin?token=${server.adminToken}`);
  assert.match(await html.text(), /1 ratings from 2 raters/);
});
