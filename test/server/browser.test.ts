// The rater page in real Chromium (Debian `chromium` driven by playwright-core): a rater opens the study,
// plays both clips, answers 3 pairs; the database then holds exactly those 3 ratings with the A/B sides
// mapped to the right systems. Takes screenshots of the rating page (desktop and phone) in the test's temp
// folder; with V2MEOW_UPDATE_DOCS_IMAGES=1 it also copies them to docs/img/study-rating*.png (otherwise the
// working tree is left alone). Skipped when /usr/bin/chromium is missing.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { startStudyServer } from '../../src/server/index.js';
import { type Answer, answerScore, openStudyDatabase } from '../../src/study/index.js';
import { repoRoot } from '../helpers.js';
import { makeStudy, testDir } from '../study/fixture.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots for the docs are refreshed only on request, so test runs leave the working tree clean. */
const updateDocsImages = process.env.V2MEOW_UPDATE_DOCS_IMAGES === '1';
const screenshots = { 'study-rating.png': 1100, 'study-rating-phone.png': 390 } as const;
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--mute-audio',
];

interface Shown {
  clipA: string;
  clipB: string;
  relevance: Answer;
  preference: Answer;
}

async function playBoth(page: Page): Promise<void> {
  for (const side of ['a', 'b']) {
    await page.locator(`#video-${side}`).evaluate((video: HTMLVideoElement) => video.play());
    await page.locator(`#clip-${side}.done`).waitFor({ timeout: 15_000 });
  }
}

test('a rater plays both clips and answers 3 pairs in Chromium', {
  skip: existsSync(chromiumPath) ? false : `${chromiumPath} not installed`,
  timeout: 120_000,
}, async (t) => {
  const studyDir = await makeStudy(t, 2, { pairsPerRater: 3, title: 'Music for video: listening study' });
  const server = await startStudyServer({ studyDir, port: 0, log: () => {} });
  const outputDir = testDir(t, 'v2meow-browser-');
  const context = await chromium.launchPersistentContext(join(outputDir, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
    viewport: { width: 1100, height: 900 },
  });
  const shown: Shown[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${server.url}/`);
    await page.locator('#consent').waitFor();
    assert.match(
      (await page.locator('#consent').textContent()) ?? '',
      /Which music do you think goes best with the video\?/,
    );
    await page.click('#start');
    const choices: [Answer, Answer][] = [
      ['strongA', 'weakB'],
      ['none', 'strongB'],
      ['weakA', 'weakA'],
    ];
    for (const [index, [relevance, preference]] of choices.entries()) {
      await page.locator('#rating').waitFor();
      await page.waitForFunction(
        (text) => document.getElementById('progress-text')?.textContent === text,
        `Pair ${index + 1} of 3`,
      );
      assert.equal(await page.locator('#submit').isDisabled(), true);
      await playBoth(page);
      await page.locator(`fieldset[data-question="relevance"] .choice-${relevance}`).click();
      await page.locator(`fieldset[data-question="preference"] .choice-${preference}`).click();
      assert.equal(await page.locator('#submit').isDisabled(), false);
      const source = (side: string) =>
        page
          .locator(`#video-${side}`)
          .evaluate((video: HTMLVideoElement) => video.currentSrc.split('/').pop()!);
      shown.push({ clipA: await source('a'), clipB: await source('b'), relevance, preference });
      if (index === 0) {
        await page.screenshot({ path: join(outputDir, 'study-rating.png'), fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.screenshot({ path: join(outputDir, 'study-rating-phone.png'), fullPage: true });
        await page.setViewportSize({ width: 1100, height: 900 });
      }
      await page.click('#submit');
    }
    await page.locator('#finished').waitFor();
    assert.match((await page.locator('#finished-text').textContent()) ?? '', /You rated 3 pairs/);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
    await server.close();
  }
  for (const [name, width] of Object.entries(screenshots)) {
    const png = readFileSync(join(outputDir, name));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), width, name);
  }
  if (updateDocsImages) {
    const docsImages = join(repoRoot, 'docs', 'img');
    mkdirSync(docsImages, { recursive: true });
    for (const name of Object.keys(screenshots)) copyFileSync(join(outputDir, name), join(docsImages, name));
  }

  const database = openStudyDatabase(studyDir, { readonly: true });
  const rows = database
    .prepare(
      `SELECT a.swapped, f.file AS first, s.file AS second, r.relevance, r.preference
         FROM ratings r JOIN assignments a ON a.id = r.assignment_id JOIN pairs p ON p.id = a.pair_id
         JOIN clips f ON f.id = p.first_clip_id JOIN clips s ON s.id = p.second_clip_id ORDER BY a.position`,
    )
    .all() as { swapped: number; first: string; second: string; relevance: number; preference: number }[];
  database.close();
  assert.equal(rows.length, 3);
  rows.forEach((row, index) => {
    const page = shown[index]!;
    // What the page played as A is the pair's first clip unless the assignment was swapped.
    assert.deepEqual(row.swapped ? [row.second, row.first] : [row.first, row.second], [
      page.clipA,
      page.clipB,
    ]);
    assert.equal(row.relevance, answerScore(page.relevance));
    assert.equal(row.preference, answerScore(page.preference));
  });
});
