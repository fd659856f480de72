// Initialisation of the music codec from Lyra v2 (the recipe of issue 7): Lyra's float encoder and decoder
// weights, and a new 12 x 1024 RVQ fitted by residual k-means on Lyra's latents of the music corpus.

import { loadLyraDecoder, loadLyraEncoder } from '../codec/lyra/lyraWeights.js';
import { fitResidualKMeans } from '../codec/rvq.js';
import type { SoundStreamCodec } from '../codec/soundstream.js';
import { lyraNetConfig } from '../codec/soundstreamNet.js';
import type { CorpusReader } from '../data/corpusReader.js';
import { V2meowError } from '../errors.js';
import { cat, noGrad, type Tensor, tensor, tidy } from '../torch/index.js';

export interface KMeansInitOptions {
  /** Corpus segments whose latents feed k-means. */
  readonly numSegments: number;
  /** Lloyd iterations per level. */
  readonly iterations: number;
  /** Frames per training batch (sets the initial EMA hit counts). */
  readonly framesPerBatch: number;
  readonly seed?: number;
  readonly log?: (message: string) => void;
}

/** Copies Lyra's encoder and decoder weights into `codec` (its net must have Lyra's layout). */
export function initFromLyra(codec: SoundStreamCodec, env: NodeJS.ProcessEnv = process.env): void {
  if (JSON.stringify(codec.config.net) !== JSON.stringify(lyraNetConfig))
    throw new V2meowError('BAD_ARGUMENT', "only a codec with Lyra's encoder/decoder layout starts from Lyra");
  const encoder = loadLyraEncoder(env);
  const decoder = loadLyraDecoder(env);
  noGrad(() => {
    codec.encoder.loadStateDict(encoder.stateDict());
    codec.decoder.loadStateDict(decoder.stateDict());
  });
  encoder.dispose();
  decoder.dispose();
}

/** Fits the codec's RVQ by residual k-means on its encoder's latents of `numSegments` training segments. */
export function initQuantizerByKMeans(
  codec: SoundStreamCodec,
  corpus: CorpusReader,
  o: KMeansInitOptions,
): void {
  const log = o.log ?? (() => {});
  const batches = corpus.batches('train', { batchSize: 8, seed: o.seed ?? 1 });
  const parts: Tensor[] = [];
  let seen = 0;
  const dim = codec.config.net.latentDim;
  while (seen < o.numSegments) {
    const batch = batches.next().value;
    parts.push(
      noGrad(() =>
        tidy(() => {
          const wave = tensor(batch.samples, [batch.batchSize, batch.numSamples]);
          return codec.latents(wave).permute([0, 2, 1]).reshape([-1, dim]).contiguous();
        }),
      ).keep(),
    );
    seen += batch.batchSize;
  }
  const rows = cat(parts, 0).keep();
  for (const p of parts) p.dispose();
  log(`k-means on ${rows.size(0)} latent frames from ${seen} segments`);
  const books = fitResidualKMeans(
    rows,
    codec.numCodebooks,
    codec.codebookSize,
    o.iterations,
    (level, error) =>
      log(`k-means level ${level + 1}/${codec.numCodebooks}: relative residual ${error.toFixed(3)}`),
  );
  rows.dispose();
  codec.quantizer.setCodebooks(books, o.framesPerBatch / codec.codebookSize);
}
