// Security probes of `study serve` (issue 16): Host allow-list (DNS rebinding), quota exhaustion by scripted
// raters (per-address and overall limits, registrations per address), what the admin sees of reserved pairs,
// body limits without Content-Length, more traversal forms, the admin token, and clip names that do not
// depend on the seed. Requests go through node:http so Host, Origin and the source address can be set.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { startStudyServer } from '../../src/server/index.js';
import { createStudy, openStudyDatabase } from '../../src/study/index.js';
import { fixtureSystems, makeStudy, makeStudyInputs, testDir } from '../study/fixture.js';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly cookie?: string;
}

/** One request with exact headers (Host included), optionally from another loopback source address. */
function send(
  baseUrl: string,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer[];
    localAddress?: string;
  } = {},
): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.localAddress,
      },
      (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body,
            cookie: response.headers['set-cookie']?.[0]?.split(';')[0],
          }),
        );
      },
    );
    request.on('error', reject);
    if (Array.isArray(options.body)) for (const chunk of options.body) request.write(chunk);
    else if (options.body !== undefined) request.write(options.body);
    request.end();
  });
}

const json = { 'content-type': 'application/json' };

/** Registers a rater from `localAddress`; returns its cookie (or the refusal status). */
async function newRater(baseUrl: string, localAddress = '127.0.0.1'): Promise<string | number> {
  const answer = await send(baseUrl, '/api/raters', {
    method: 'POST',
    headers: json,
    body: '{}',
    localAddress,
  });
  return answer.status === 200 ? answer.cookie! : answer.status;
}

test('Host allow-list: other host names are refused before any route (DNS rebinding)', async (t) => {
  const server = await startStudyServer({
    studyDir: await makeStudy(t, 1),
    port: 0,
    log: () => {},
    allowedHosts: ['study.example.org'],
  });
  try {
    const port = new URL(server.url).port;
    const statuses = {
      loopback: (await send(server.url, '/', { headers: { host: `127.0.0.1:${port}` } })).status,
      localhost: (await send(server.url, '/', { headers: { host: `localhost:${port}` } })).status,
      allowed: (await send(server.url, '/', { headers: { host: 'study.example.org' } })).status,
      upperCase: (await send(server.url, '/', { headers: { host: `LOCALHOST:${port}` } })).status,
      rebound: (await send(server.url, '/api/session', { headers: { host: `evil.example:${port}` } })).status,
      reboundPost: (
        await send(server.url, '/api/raters', {
          method: 'POST',
          headers: { ...json, host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
          body: '{}',
        })
      ).status,
      reboundAdmin: (
        await send(server.url, `/api/admin/progress?token=${server.adminToken}`, {
          headers: { host: 'evil.example' },
        })
      ).status,
      reboundMedia: (await send(server.url, '/media/x.mp4', { headers: { host: 'evil.example' } })).status,
      suffix: (await send(server.url, '/', { headers: { host: 'localhost.evil.example' } })).status,
      userinfo: (await send(server.url, '/', { headers: { host: `evil@localhost:${port}` } })).status,
      // Same host, other origin: the Origin check still refuses cross-site posts.
      crossOrigin: (
        await send(server.url, '/api/raters', {
          method: 'POST',
          headers: { ...json, host: `localhost:${port}`, origin: 'https://evil.example' },
          body: '{}',
        })
      ).status,
    };
    assert.deepEqual(statuses, {
      loopback: 200,
      localhost: 200,
      allowed: 200,
      upperCase: 200,
      rebound: 421,
      reboundPost: 421,
      reboundAdmin: 421,
      reboundMedia: 421,
      suffix: 421,
      userinfo: 400,
      crossOrigin: 403,
    });
  } finally {
    await server.close();
  }
});

test('scripted raters cannot take every pair: per-address and overall limits, registrations per address', async (t) => {
  // 2 videos x 3 systems = 6 pairs, one rating each.
  const server = await startStudyServer({
    studyDir: await makeStudy(t, 2, { ratersPerPair: 1, pairsPerRater: 6 }),
    port: 0,
    log: () => {},
    limits: { pendingPerAddress: 2, pendingOverall: 3, ratersPerAddressPerHour: 4 },
  });
  try {
    const next = (cookie: string, localAddress = '127.0.0.1') =>
      send(server.url, '/api/next', { headers: { cookie }, localAddress });
    const a = await Promise.all([newRater(server.url), newRater(server.url), newRater(server.url)]);
    const statuses = [];
    for (const cookie of a) statuses.push((await next(cookie as string)).status);
    // Two pairs held from 127.0.0.1; the third rater there must wait.
    assert.deepEqual(statuses, [200, 200, 429]);
    // Another address gets one more (overall 3), then the overall limit holds.
    const b1 = (await newRater(server.url, '127.0.0.2')) as string;
    const b2 = (await newRater(server.url, '127.0.0.2')) as string;
    assert.equal((await next(b1, '127.0.0.2')).status, 200);
    const refused = await next(b2, '127.0.0.2');
    assert.equal(refused.status, 429);
    assert.match(refused.body, /try again/);
    // The study is not "done" for anyone: 3 of 6 places are free, only reserved ones are held.
    assert.doesNotMatch(refused.body, /"done":true/);
    // A fourth registration from 127.0.0.1 passes, the fifth in the hour is refused.
    assert.equal(typeof (await newRater(server.url)), 'string');
    assert.equal(await newRater(server.url), 429);
    // The admin sees the reserved-but-unrated pairs.
    const progress = await send(server.url, '/api/admin/progress', {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(progress.status, 200);
    assert.equal(JSON.parse(progress.body).reserved, 3);
    const page = await send(server.url, `/admin?token=${server.adminToken}`);
    assert.match(page.body, /3 reserved \(handed out, not yet rated\)/);
    // Rating one frees a place for the waiting rater.
    const first = JSON.parse((await next(a[0] as string)).body);
    const rated = await send(server.url, '/api/ratings', {
      method: 'POST',
      headers: { ...json, cookie: a[0] as string },
      body: JSON.stringify({ assignmentId: first.assignmentId, relevance: 'none', preference: 'weakB' }),
    });
    assert.equal(rated.status, 200);
    assert.equal((await next(a[2] as string)).status, 200);
  } finally {
    await server.close();
  }
});

test('bodies over the limit are refused with or without Content-Length; admin token checks', async (t) => {
  const server = await startStudyServer({ studyDir: await makeStudy(t, 1), port: 0, log: () => {} });
  try {
    const chunked = await send(server.url, '/api/raters', {
      method: 'POST',
      headers: { ...json, 'transfer-encoding': 'chunked' },
      body: Array.from({ length: 20 }, () => Buffer.alloc(1024, 0x20)),
    });
    assert.equal(chunked.status, 413);
    const admin = (path: string, headers: Record<string, string> = {}) =>
      send(server.url, path, { headers }).then((answer) => answer.status);
    assert.equal(await admin('/admin'), 401);
    assert.equal(await admin('/admin?token='), 401);
    assert.equal(await admin(`/admin?token=${server.adminToken.slice(0, -1)}`), 401);
    assert.equal(await admin(`/admin?token=${server.adminToken}x`), 401);
    assert.equal(await admin('/api/admin/progress', { authorization: `Basic ${server.adminToken}` }), 401);
    assert.equal(await admin(`/admin?token=${encodeURIComponent(server.adminToken)}`), 200);
    for (const target of [
      '/media/.%2e/study.sqlite',
      '/media/%2e%2e%5cstudy.sqlite',
      '/media/..%5c..%5cetc%5cpasswd',
      '/media/%00.mp4',
      '//etc/passwd',
      '/media//etc/passwd',
      '/media/study.sqlite',
    ])
      assert.ok([400, 404].includes(await admin(target)), target);
  } finally {
    await server.close();
  }
});

test('clip names are random: two studies with the same seed share none', async (t) => {
  const dir = testDir(t, 'v2meow-study-names-');
  const { videosDir, systemDirs } = makeStudyInputs(dir, 1);
  const systems = fixtureSystems.map((name) => ({ name, dir: systemDirs[name]! }));
  const names: string[][] = [];
  for (const output of ['one', 'two']) {
    await createStudy({ videosDir, systems, outputDir: join(dir, output), seed: 0 });
    const database = openStudyDatabase(join(dir, output), { readonly: true });
    names.push((database.prepare('SELECT file FROM clips').all() as { file: string }[]).map((r) => r.file));
    database.close();
  }
  assert.equal(names[0]!.length, 3);
  for (const name of names[0]!) assert.match(name, /^[0-9a-f]{16}\.mp4$/);
  assert.deepEqual(
    names[0]!.filter((name) => names[1]!.includes(name)),
    [],
  );
});
