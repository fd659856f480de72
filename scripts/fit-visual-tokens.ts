// Fits the visual token codebook (src/features/visualTokens.ts; the ViT-VQGAN role) and writes
// weights/visual-tokens/: k-means (K = 256 by default) over the cells of MobileNetV2's 7x7x1280 pre-pool map.
// Frames: the MDN clips of ../shared/media/video (not the Blender films: those are the evaluation clips of
// issue 13) and procedural ffmpeg lavfi clips (fractal zooms, cellular automata, moving gradients and shapes,
// test patterns), rendered to temporary files. Usage:
//   node dist/scripts/fit-visual-tokens.js [--k 256] [--iterations 25] [--out weights/visual-tokens] [--fps 8]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fitResidualKMeans } from '../src/codec/rvq.js';
import { Mobilenet } from '../src/encoders/mobilenet.js';
import {
  VisualTokenCodebook,
  type VisualTokenConfig,
  visualTokenKind,
} from '../src/features/visualTokens.js';
import { writeFileAtomically } from '../src/media/atomicFile.js';
import { decodeFrames } from '../src/media/frames.js';
import { manualSeed, tensor } from '../src/torch/index.js';
import { saveSafetensors } from '../src/torch/io/safetensors.js';
import { sharedDir } from '../test/helpers.js';

/** Procedural clips: name, lavfi graph (320x240, 10 s). */
const proceduralClips: [string, string][] = [
  ['mandelbrot', 'mandelbrot=s=320x240:r=2:maxiter=256:end_scale=0.01:end_pts=10'],
  ['life', 'life=s=320x240:r=2:mold=10:life_color=#ffcc00:death_color=#102040:mold_color=#208040'],
  ['cellauto', 'cellauto=s=320x240:r=2:rule=110:scroll=1'],
  ['gradients', 'gradients=s=320x240:r=2:speed=0.05:n=5'],
  ['sierpinski', 'sierpinski=s=320x240:r=2:type=carpet'],
  ['testsrc2', 'testsrc2=s=320x240:r=2'],
  [
    'shapes',
    'color=c=darkgreen:s=320x240:r=2[bg];color=c=white:s=50x90:r=2[a];color=c=red:s=80x40:r=2[b];' +
      "[bg][a]overlay=x='140+120*sin(1.3*t)':y='80+60*cos(0.7*t)'[m];[m][b]overlay=x='20+t*28':y='150+40*sin(3*t)'",
  ],
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      k: { type: 'string', default: '256' },
      iterations: { type: 'string', default: '25' },
      out: { type: 'string', default: 'weights/visual-tokens' },
      fps: { type: 'string', default: '8' },
    },
  });
  const numTokens = Number(values.k);
  const iterations = Number(values.iterations);
  const fps = Number(values.fps);
  const folder = mkdtempSync(join(tmpdir(), 'v2meow-visual-tokens-'));
  const sources: string[] = ['mdn_flower.mp4', 'mdn_friday.mp4', 'mdn_bug_no_audio.mp4'].map((f) =>
    join(sharedDir, 'media', 'video', f),
  );
  for (const [name, graph] of proceduralClips) {
    const path = join(folder, `${name}.mp4`);
    const result = spawnSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      graph,
      '-t',
      '10',
      '-pix_fmt',
      'yuv420p',
      path,
    ]);
    if (result.status !== 0) throw new Error(`lavfi ${name}: ${result.stderr}`);
    sources.push(path);
  }
  const mobilenet = await Mobilenet.fromPretrained('default', { spatialMap: true });
  const dim = mobilenet.config.featureDim;
  const cells = mobilenet.gridSize ** 2;
  const rows: Float32Array[] = [];
  const perSource: Record<string, number> = {};
  for (const path of sources) {
    // Procedural clips at 2 fps (they repeat themselves), real clips at --fps.
    const rate = path.startsWith(folder) ? 2 : fps;
    let count = 0;
    for await (const frame of decodeFrames(path, { fps: rate, width: 224, height: 224, resize: 'crop' })) {
      rows.push(mobilenet.encode(frame).spatialMap!);
      count++;
    }
    perSource[basename(path)] = count;
    process.stderr.write(`${basename(path)}: ${count} frames at ${rate} fps\n`);
  }
  mobilenet.dispose();
  rmSync(folder, { recursive: true, force: true });
  const numVectors = rows.length * cells;
  const all = new Float32Array(numVectors * dim);
  for (const [i, row] of rows.entries()) all.set(row, i * cells * dim);
  process.stderr.write(
    `k-means: ${numVectors} vectors x ${dim}, K = ${numTokens}, ${iterations} iterations\n`,
  );
  manualSeed(1);
  const data = tensor(all, [numVectors, dim]);
  const started = performance.now();
  let relativeError = 0;
  const centroids = fitResidualKMeans(data, 1, numTokens, iterations, (_, error) => {
    relativeError = error;
  });
  data.dispose();
  const fitSec = (performance.now() - started) / 1000;
  const config: VisualTokenConfig = {
    numTokens,
    featureDim: dim,
    gridSize: Math.sqrt(cells),
    encoderId: mobilenet.config.modelId,
    layer: 'input of the last AVERAGE_POOL_2D (7x7x1280 after the final 1x1 conv + ReLU6)',
  };
  // Token usage on the fitting frames.
  const codebook = new VisualTokenCodebook(config, centroids);
  const counts = new Float64Array(numTokens);
  for (const row of rows) for (const id of codebook.assign(row)) counts[id]!++;
  let entropy = 0;
  for (const c of counts) if (c > 0) entropy -= (c / numVectors) * Math.log2(c / numVectors);
  const provenance = {
    command: `node dist/scripts/fit-visual-tokens.js --k ${numTokens} --iterations ${iterations} --fps ${fps}`,
    date: new Date().toISOString(),
    frames: perSource,
    frameNote:
      'MDN clips of ../shared/media/video at --fps and procedural lavfi clips at 2 fps; the Blender films (the evaluation clips of issue 13) were left out on purpose',
    vectors: numVectors,
    algorithm:
      'Lloyd k-means from random distinct rows (fitResidualKMeans with one level, libtorch seed 1); empty clusters reseeded',
    relativeResidual: relativeError,
    usedTokens: counts.filter((c) => c > 0).length,
    perplexity: 2 ** entropy,
    fitSec,
  };
  mkdirSync(values.out!, { recursive: true });
  saveSafetensors(
    join(values.out!, 'codebook.safetensors'),
    new Map([['centroids', tensor(centroids, [numTokens, dim])]]),
    {
      kind: visualTokenKind,
      config: JSON.stringify(config),
      provenance: JSON.stringify(provenance),
    },
  );
  await writeFileAtomically(
    join(values.out!, 'codebook.json'),
    Buffer.from(`${JSON.stringify({ config, provenance }, null, 2)}\n`),
  );
  process.stdout.write(`${JSON.stringify(provenance, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`fit-visual-tokens: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
