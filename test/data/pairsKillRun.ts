// A build run as its own process by pairs.test.ts, so that the test can kill the whole builder mid-way:
// argv[2] is JSON { outDir, videos, music, fake: FakeOptions, jobs }; the fake featurizer may SIGKILL it.
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../../src/dataset/builder.js';

// `node --test dist/test/` also runs this file on its own, without arguments: then it does nothing.
const args = JSON.parse(process.argv[2] ?? 'null') as {
  outDir: string;
  videos: string[];
  music: string[];
  fake: unknown;
  jobs?: number;
} | null;
if (args) {
  await buildDataset({
    outDir: args.outDir,
    videos: args.videos,
    music: args.music,
    jobs: args.jobs ?? 1,
    featurizer: { module: fileURLToPath(new URL('./pairsFakes.js', import.meta.url)), options: args.fake },
  });
  process.stdout.write('finished\n');
}
