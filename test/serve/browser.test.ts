// The serve page in real Chromium (Debian `chromium` driven by playwright-core, as test/server does): choose a
// 3 s clip, type a style (its tags appear), generate 2 candidates on debug weights, wait for the videos and
// their mel-spectrogram plots, play one, check its download link serves an mp4, run it "again with another
// seed", then reload: the history lists both jobs from localStorage (and marks an unknown one expired), and a
// history entry shows its job again. At phone width nothing is wider than the screen. Screenshots (desktop,
// phone width) go to docs/img/serve-*.png only with V2MEOW_UPDATE_DOCS_IMAGES=1. Skipped when
// /usr/bin/chromium is missing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { repoRoot } from '../helpers.js';
import { startServe, stopAll } from './helpers.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const updateDocsImages = process.env.V2MEOW_UPDATE_DOCS_IMAGES === '1';
const root = mkdtempSync(join(tmpdir(), 'v2meow-serve-browser-'));

/** A full-page screenshot, reduced to 96 colours by ffmpeg (a small PNG for the docs). */
async function screenshot(page: Page, path: string): Promise<void> {
  const raw = join(root, 'shot.png');
  await page.screenshot({ path: raw, fullPage: true });
  const filter = 'split[a][b];[a]palettegen=max_colors=96[p];[b][p]paletteuse=dither=none';
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', raw, '-vf', filter, path]);
}

after(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

test('upload, style tags, two candidates playing, download in Chromium', {
  skip: existsSync(chromiumPath) ? false : `${chromiumPath} not installed`,
  timeout: 900_000,
}, async () => {
  const clip = join(root, 'clip.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25',
    '-t',
    '3',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    clip,
  ]);
  const server = await startServe(join(root, 'data'));
  const url = server.url;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/`);
    await page.setInputFiles('#video', clip);
    await page.fill('#text', 'calm piano');
    await page.locator('#tags .tag', { hasText: 'piano' }).waitFor({ timeout: 60_000 });
    await page.fill('#candidates', '2');
    await page.click('#go');
    await page.locator('.candidate video').nth(1).waitFor({ timeout: 300_000 });
    assert.match((await page.locator('#status').textContent()) ?? '', /Done: 2 candidates/);
    const firstJob = (await page.evaluate(() => JSON.parse(localStorage.getItem('v2meow.jobs') ?? '[]')))[0];
    assert.match(firstJob, /^[0-9a-f]{24}$/);
    // each candidate's mel-spectrogram with beats, loaded
    const plotWidths = await page
      .locator('.candidate img')
      .evaluateAll(async (images: HTMLImageElement[]) =>
        Promise.all(images.map((img) => img.decode().then(() => img.naturalWidth))),
      );
    assert.equal(plotWidths.length, 2);
    assert.ok(
      plotWidths.every((w) => w > 100),
      JSON.stringify(plotWidths),
    );
    const played = await page
      .locator('.candidate video')
      .first()
      .evaluate(async (video: HTMLVideoElement) => {
        await video.play();
        await new Promise((r) => setTimeout(r, 500));
        return { time: video.currentTime, duration: video.duration, tracks: video.readyState };
      });
    assert.ok(played.time > 0, JSON.stringify(played));
    assert.ok(Math.abs(played.duration - 3) < 0.2, JSON.stringify(played));
    const href = await page.locator('.candidate a').first().getAttribute('href');
    const download = await fetch(new URL(href!, url));
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'video/mp4');
    // again with another seed: a new job with the same clip and options
    const summary = (await page.locator('#summary').textContent()) ?? '';
    await page.click('#again');
    await page.waitForFunction(
      (first) => JSON.parse(localStorage.getItem('v2meow.jobs') ?? '[]')[0] !== first,
      firstJob,
    );
    await page.locator('#status', { hasText: 'Done: 2 candidates' }).waitFor({ timeout: 300_000 });
    const againSummary = (await page.locator('#summary').textContent()) ?? '';
    assert.match(againSummary, /^clip\.mp4 · "calm piano" · seed \d+ · 2 candidates$/);
    assert.notEqual(againSummary, summary);
    // history: both jobs after a reload, an unknown id marked expired; an entry shows its job
    await page.evaluate(() => {
      const ids = JSON.parse(localStorage.getItem('v2meow.jobs') ?? '[]');
      localStorage.setItem('v2meow.jobs', JSON.stringify([...ids, 'ffffffffffffffffffffffff']));
    });
    await page.reload();
    await page.locator('#history li.expired').waitFor({ timeout: 60_000 });
    await page.locator('#history li .state', { hasText: 'completed' }).nth(1).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#history li').count(), 3);
    assert.match((await page.locator('#history li.expired').textContent()) ?? '', /expired/);
    await page.locator(`#h-${firstJob} button`).click();
    await page.locator('.candidate video').nth(1).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#summary').textContent(), summary);
    assert.deepEqual(errors, []);
    const docs = join(repoRoot, 'docs', 'img');
    if (updateDocsImages) {
      mkdirSync(docs, { recursive: true });
      await page
        .locator('.candidate video')
        .evaluateAll((videos: HTMLVideoElement[]) =>
          Promise.all(
            videos.map((video) =>
              video.readyState >= 2
                ? null
                : new Promise((r) => video.addEventListener('loadeddata', r, { once: true })),
            ),
          ),
        );
      await screenshot(page, join(docs, 'serve-desktop.png'));
    }
    // phone width: the page fits the screen (no sideways scrolling)
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `page is ${width} px wide at 390 px`);
    if (updateDocsImages) await screenshot(page, join(docs, 'serve-phone.png'));
    await server.stop();
  } finally {
    await browser.close();
  }
});
