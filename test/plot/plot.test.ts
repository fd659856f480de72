// PNG figures: valid PNG of the requested size, content where it should be, atomic output, bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { logMelSpectrogram } from '../../src/dsp/mel.js';
import { V2meowError } from '../../src/errors.js';
import { plotLossCurves, plotMelSpectrogram } from '../../src/plot/index.js';

const folder = mkdtempSync(join(tmpdir(), 'v2meow-plot-'));
after(() => rmSync(folder, { recursive: true, force: true }));

async function pixels(
  path: string,
): Promise<{ width: number; height: number; at: (x: number, y: number) => number[] }> {
  const bytes = readFileSync(path);
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const image = await loadImage(bytes);
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, image.width, image.height).data;
  return {
    width: image.width,
    height: image.height,
    at: (x, y) => [...data.subarray(4 * (y * image.width + x), 4 * (y * image.width + x) + 3)],
  };
}

test('mel-spectrogram PNG: size, a bright 1 kHz band, beat ticks in cyan', async () => {
  const sampleRateHz = 16000;
  const signal = Float32Array.from(
    { length: sampleRateHz * 4 },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / sampleRateHz),
  );
  const mel = logMelSpectrogram(signal, { sampleRateHz, fftSize: 512, hopSamples: 160, numMels: 64 });
  const path = join(folder, 'mel.png');
  await plotMelSpectrogram(mel, path, { title: 'tone', beatsSec: [1, 2, 3], width: 600, height: 300 });
  const image = await pixels(path);
  assert.deepEqual([image.width, image.height], [600, 300]);
  // Plot area: left 72, top 40, width 504, height 208. 1 kHz sits at mel 15 of ~44.6 (Slaney, 0..8 kHz).
  const toneRow = Math.round(40 + 208 * (1 - 15 / 44.6));
  const brightness = (y: number) => image.at(300, y).reduce((a, b) => a + b, 0);
  assert.ok(
    brightness(toneRow) > brightness(40 + 200) + 200,
    `tone row ${brightness(toneRow)} vs low ${brightness(240)}`,
  );
  const beatX = Math.round(72 + (2 / 4.01) * 504);
  const tick = [beatX - 1, beatX, beatX + 1].map((x) => image.at(x, 45));
  assert.ok(
    tick.some(([r, g, b]) => r! < 100 && g! > 180 && b! > 180),
    `tick pixels ${JSON.stringify(tick)}`,
  );
  assert.deepEqual(
    readdirSync(folder).filter((n) => n.includes('.tmp-')),
    [],
  );
});

test('loss curves PNG: both series drawn, bad series rejected', async () => {
  const path = join(folder, 'loss.png');
  await plotLossCurves(
    [
      { name: 'train', steps: [0, 1, 2, 3], values: [4, 3, 2.5, 2.2] },
      { name: 'validation', steps: [0, 3], values: [4.1, 2.6] },
    ],
    path,
    { title: 'loss', width: 640, height: 400 },
  );
  const image = await pixels(path);
  assert.deepEqual([image.width, image.height], [640, 400]);
  let blue = 0;
  let red = 0;
  for (let y = 0; y < 400; y += 1)
    for (let x = 0; x < 640; x += 2) {
      const [r, g, b] = image.at(x, y);
      if (b! > 150 && r! < 80) blue++;
      if (r! > 180 && g! < 80 && b! < 80) red++;
    }
  assert.ok(blue > 100 && red > 100, `blue ${blue}, red ${red}`);
  await assert.rejects(
    plotLossCurves([{ name: 'x', steps: [1, 2], values: [1] }], join(folder, 'bad.png')),
    V2meowError,
  );
  await assert.rejects(plotLossCurves([], join(folder, 'bad.png')), /no loss series/);
});
