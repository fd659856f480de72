// The serve page in real Chromium (Debian `chromium` driven by playwright-core, as test/server does): choose a
// 3 s clip, type a style (its tags appear), generate 2 candidates on debug weights, wait for the videos, play
// one, and check its download link serves an mp4. Screenshots (desktop, phone width) go to docs/images only
// with V2MEOW_UPDATE_DOCS_IMAGES=1. Skipped when /usr/bin/chromium is missing.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { repoRoot } from '../helpers.js';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const updateDocsImages = process.env.V2MEOW_UPDATE_DOCS_IMAGES === '1';
const root = mkdtempSync(join(tmpdir(), 'v2meow-serve-browser-'));
let child: ChildProcess | null = null;

after(async () => {
  if (child && child.exitCode === null)
    await new Promise<void>((resolve) => {
      child!.once('exit', () => resolve());
      child!.kill('SIGTERM');
    });
  rmSync(root, { recursive: true, force: true });
});

test('upload, style tags, two candidates playing, download in Chromium', {
  skip: existsSync(chromiumPath) ? false : `${chromiumPath} not installed`,
  timeout: 180_000,
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
  const args = ['serve', '--port', '0', '--data', join(root, 'data'), '--model', 'debug'];
  child = spawn(process.execPath, [join(repoRoot, 'bin', 'v2meow.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /v2meow serve: (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child!.on('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
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
    await page.locator('#tags .tag', { hasText: 'piano' }).waitFor({ timeout: 15_000 });
    await page.fill('#candidates', '2');
    await page.click('#go');
    await page.locator('.candidate video').nth(1).waitFor({ timeout: 120_000 });
    assert.match((await page.locator('#status').textContent()) ?? '', /Done: 2 candidates/);
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
    assert.deepEqual(errors, []);
    if (updateDocsImages) {
      const dir = join(repoRoot, 'docs', 'images');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, 'serve.png'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(dir, 'serve-phone.png'), fullPage: true });
    }
  } finally {
    await browser.close();
  }
});
