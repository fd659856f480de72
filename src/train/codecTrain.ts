// Training loop of the music codec (issue 7's recipe): start from Lyra's encoder/decoder with a k-means RVQ,
// fine-tune on the music corpus with multi-scale STFT + mel reconstruction losses, a small commitment loss, a
// MusiCNN frame-feature distance, EMA codebooks with dead-code restarts and quantizer dropout, at a low
// learning rate after a warmup (the defaults are the recipe of the committed codec: docs/codec.md).
// Checkpoints (codec + optimizer + step) every few minutes, resume from them, a JSON-lines log, a loss plot,
// and the best validation model kept apart. Data-parallel over processes with `parallel` (dataParallel.ts):
// each rank trains on its shard of the global batch, gradients and EMA codebooks are averaged, rank 0 writes.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { melL1, multiScaleStftLoss, yamnetMelL1 } from '../codec/losses.js';
import { meanEmbeddingCosine } from '../codec/metrics.js';
import {
  type CodecPreset,
  createCodec,
  loadCodec,
  type SoundStreamCodec,
  saveCodec,
} from '../codec/soundstream.js';
import { CorpusReader } from '../data/corpusReader.js';
import { Yamnet } from '../encoders/yamnet.js';
import { V2meowError } from '../errors.js';
import {
  AdamW,
  clipGradNorm,
  manualSeed,
  noGrad,
  type Tensor,
  tensor,
  tidy,
  warmupConstant,
} from '../torch/index.js';
import { createRandom, mixSeed } from '../util/random.js';
import { initFromLyra, initQuantizerByKMeans } from './codecInit.js';
import { appendLog, type CodecLogRecord, readLog, writeLossPlot } from './codecLog.js';
import { DataParallel, localBatchSize } from './dataParallel.js';
import { MusicnnFeatureLoss } from './musicnnFeatureLoss.js';
import { shardedCorpusBatches } from './shardedCorpus.js';

export interface CodecTrainOptions {
  /** Corpus folder (data/corpus). */
  readonly corpusDir: string;
  /** Output folder: checkpoint.safetensors, best.safetensors, log.jsonl, loss.png. */
  readonly outDir: string;
  readonly preset: CodecPreset;
  /** Start from Lyra's encoder/decoder (preset 'default' only). */
  readonly fromLyra: boolean;
  /** Start from this codec file's weights (no k-means, no Lyra) instead; a checkpoint in outDir wins. */
  readonly initFrom?: string;
  readonly batchSize: number;
  /** Seconds per training crop. */
  readonly cropSeconds: number;
  readonly learningRate: number;
  /** Linear learning-rate warmup over this many steps from the start of training (0: none). */
  readonly warmupSteps: number;
  /** Steps that train the decoder only (encoder and codebooks' inputs fixed), before training both. */
  readonly decoderOnlySteps: number;
  /** Stop after this many steps in total. */
  readonly maxSteps: number;
  /** Stop after this many minutes of this run. */
  readonly maxMinutes: number;
  readonly commitWeight: number;
  readonly melWeight: number;
  readonly stftWeight: number;
  /** Weight of the L1 distance of YAMNet-frontend log-mels (yamnetMelL1); 0 leaves it out. */
  readonly yamnetMelWeight: number;
  /** Weight of the MusiCNN frame-feature distance (MusicnnFeatureLoss); 0 leaves it out. */
  readonly musicnnWeight: number;
  /** Probability that a batch uses a random number of levels (quantizer dropout). */
  readonly levelDropout: number;
  readonly checkpointMinutes: number;
  /** Validate every this many steps. */
  readonly validateEvery: number;
  /** Validation segments (fixed set from the corpus validation split). */
  readonly validationSegments: number;
  /** Also score validation with the YAMNet embedding cosine at all levels (logged and plotted). */
  readonly validateYamnet: boolean;
  readonly kmeansSegments: number;
  readonly kmeansIterations: number;
  readonly seed: number;
  /** Free-form provenance stored with every checkpoint (corpus, commit, recipe). */
  readonly provenance?: Record<string, unknown>;
  readonly log?: (message: string) => void;
  /** This process's place in a data-parallel run (default: alone); batchSize is then the global batch. */
  readonly parallel?: DataParallel;
}

export const defaultCodecTrainOptions: Omit<CodecTrainOptions, 'corpusDir' | 'outDir'> = {
  preset: 'default',
  fromLyra: true,
  batchSize: 16,
  cropSeconds: 1,
  learningRate: 5e-5,
  warmupSteps: 100,
  decoderOnlySteps: 0,
  maxSteps: 100000,
  maxMinutes: 24 * 60,
  commitWeight: 0.01,
  melWeight: 1,
  stftWeight: 1,
  yamnetMelWeight: 0,
  musicnnWeight: 1,
  levelDropout: 0.5,
  checkpointMinutes: 4,
  validateEvery: 100,
  validationSegments: 16,
  validateYamnet: true,
  kmeansSegments: 3000,
  kmeansIterations: 12,
  seed: 0,
};

const checkpointName = 'checkpoint.safetensors';
/** Version of the mel-L1 definition in losses.ts; a resumed run with another resets its best score. */
export const melDefinitionVersion = 2;
const bestName = 'best.safetensors';

/** Fixed validation waveforms [n, segmentSamples] from the corpus validation split. */
function validationSet(corpus: CorpusReader, count: number): Float32Array[] {
  const all = corpus.segments('validation');
  const step = Math.max(1, Math.floor(all.length / count));
  const out: Float32Array[] = [];
  for (let k = 0; k < count && k * step < all.length; k++) {
    const samples = new Float32Array(corpus.segmentSamples);
    corpus.readSegmentInto(all[k * step]!, samples);
    out.push(samples);
  }
  return out;
}

/** Validation scores of one level count. */
export interface CodecValidation {
  /** Mean mel-L1 of reconstruction vs original. */
  readonly melL1: number;
  /** Mean cosine of YAMNet embeddings of reconstruction vs original (null without a YAMNet). */
  readonly yamnetCos: number | null;
}

/** YAMNet and its embeddings of the validation clips (computed once per run). */
export interface YamnetReference {
  readonly yamnet: Yamnet;
  readonly embeddings: readonly Float32Array[];
}

/**
 * Scores the codec's reconstructions at `numLevels` levels over `clips` (evaluation mode): mean mel-L1 and,
 * given YAMNet's embeddings of the clips, the mean YAMNet embedding cosine that `codec eval` reports.
 */
export function validateCodec(
  codec: SoundStreamCodec,
  clips: readonly Float32Array[],
  numLevels: number,
  reference: YamnetReference | null = null,
): CodecValidation {
  const wasTraining = codec.training;
  codec.eval();
  let mel = 0;
  let cos = 0;
  clips.forEach((clip, k) => {
    const y = noGrad(() =>
      tidy(() => {
        const wave = tensor(clip, [1, clip.length]);
        const out = codec.decode(codec.encode(wave, numLevels)).narrow(1, 0, clip.length);
        mel += melL1(out, wave).item();
        return reference ? (out.contiguous().data() as Float32Array) : null;
      }),
    );
    if (reference && y) {
      const { yamnet, embeddings } = reference;
      cos += meanEmbeddingCosine(embeddings[k]!, yamnet.run(y).embeddings, yamnet.config.embeddingDim);
    }
  });
  codec.train(wasTraining);
  return { melL1: mel / clips.length, yamnetCos: reference ? cos / clips.length : null };
}

function saveAtomically(path: string, write: (tmp: string) => void): void {
  const tmp = `${path}.tmp`;
  write(tmp);
  renameSync(tmp, path);
}

/** Runs (or resumes) training; returns the final step. */
export async function trainCodec(o: CodecTrainOptions): Promise<number> {
  const dp = o.parallel ?? DataParallel.single();
  const log = dp.isMain ? (o.log ?? ((m: string) => process.stderr.write(`${m}\n`))) : () => {};
  const rowsPerRank = localBatchSize(o.batchSize, dp.worldSize);
  if (dp.isMain) mkdirSync(o.outDir, { recursive: true });
  const corpus = CorpusReader.open(o.corpusDir);
  const checkpointPath = join(o.outDir, checkpointName);
  const logPath = join(o.outDir, 'log.jsonl');
  manualSeed(o.seed);

  let codec: SoundStreamCodec;
  let fresh = false; // a new codec: initialised from Lyra and k-means below
  let step = 0;
  let bestMel = Number.POSITIVE_INFINITY;
  let optimizerState: Map<string, Tensor> | null = null;
  const cropSamples = Math.round(o.cropSeconds * corpus.sampleRateHz);
  const framesPerBatch = (o.batchSize * cropSamples) / 320;
  if (existsSync(checkpointPath)) {
    const loaded = loadCodec(checkpointPath);
    codec = loaded.codec;
    step = Number(loaded.provenance.steps ?? 0);
    bestMel =
      loaded.provenance.melDefinitionVersion === melDefinitionVersion
        ? Number(loaded.provenance.bestValidationMelL1 ?? Number.POSITIVE_INFINITY)
        : Number.POSITIVE_INFINITY;
    optimizerState = loaded.rest;
    log(`resumed from ${checkpointPath} at step ${step}`);
  } else if (o.initFrom) {
    const start = loadCodec(o.initFrom);
    for (const t of start.rest.values()) t.dispose();
    codec = start.codec;
    log(`starting from the weights of ${o.initFrom}`);
  } else {
    codec = createCodec(o.preset);
    fresh = true;
  }
  const yamnet = o.validateYamnet && dp.isMain ? await Yamnet.fromPretrained() : null;
  if (yamnet && yamnet.config.sampleRateHz !== codec.sampleRateHz) {
    const [needed, rate] = [yamnet.config.sampleRateHz, codec.sampleRateHz];
    yamnet.dispose();
    codec.dispose();
    corpus.close();
    for (const t of optimizerState?.values() ?? []) t.dispose();
    throw new V2meowError(
      'BAD_ARGUMENT',
      `YAMNet validation needs a ${needed} Hz codec, this one runs at ${rate} Hz (use --no-validate-yamnet)`,
      o.outDir,
    );
  }
  if (fresh && dp.isMain) {
    if (o.fromLyra) {
      initFromLyra(codec);
      log("encoder and decoder start from Lyra v2's weights");
    }
    const started = Date.now();
    initQuantizerByKMeans(codec, corpus, {
      numSegments: o.kmeansSegments,
      iterations: o.kmeansIterations,
      framesPerBatch,
      seed: o.seed + 1,
      log,
    });
    log(`k-means init took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  codec.train();
  const optimizer = new AdamW(codec.parameters(), {
    lr: o.learningRate,
    beta1: 0.8,
    beta2: 0.99,
    weightDecay: 0,
  });
  if (optimizerState) {
    optimizer.loadStateDict(optimizerState, step);
    for (const t of optimizerState.values()) t.dispose();
  }
  // Every rank starts from rank 0's codec, optimizer moments and step (only rank 0 needs the checkpoint).
  const params = codec.parameters();
  const buffers = codec.namedBuffers().map(([, b]) => b);
  await dp.broadcastFromMain([...params, ...buffers, ...optimizer.stateDict().values()], 'codec');
  step = (await dp.broadcastNumbers([step]))[0]!;
  optimizer.step = step;
  const musicnnLoss =
    o.musicnnWeight > 0 ? await MusicnnFeatureLoss.create(o.preset === 'debug' ? 'debug' : 'mtt') : null;
  const schedule = warmupConstant(o.learningRate, o.warmupSteps);
  const validation = dp.isMain ? validationSet(corpus, o.validationSegments) : [];
  const yamnetReference = yamnet
    ? { yamnet, embeddings: validation.map((clip) => yamnet.run(clip).embeddings) }
    : null;
  const batches = shardedCorpusBatches(corpus, 'train', {
    globalBatchSize: o.batchSize,
    cropSamples,
    seed: o.seed,
    startStep: step,
    rank: dp.rank,
    worldSize: dp.worldSize,
  });
  const runStart = Date.now();
  let lastCheckpoint = Date.now();
  const provenance = (): Record<string, unknown> => ({
    ...o.provenance,
    corpus: o.corpusDir,
    recipe: {
      fromLyra: o.fromLyra,
      initFrom: o.initFrom,
      batchSize: o.batchSize,
      cropSeconds: o.cropSeconds,
      learningRate: o.learningRate,
      warmupSteps: o.warmupSteps,
      decoderOnlySteps: o.decoderOnlySteps,
      commitWeight: o.commitWeight,
      melWeight: o.melWeight,
      stftWeight: o.stftWeight,
      yamnetMelWeight: o.yamnetMelWeight,
      musicnnWeight: o.musicnnWeight,
      levelDropout: o.levelDropout,
      kmeansSegments: o.kmeansSegments,
      kmeansIterations: o.kmeansIterations,
    },
    steps: step,
    bestValidationMelL1: bestMel,
    melDefinitionVersion,
    savedAt: new Date().toISOString(),
  });
  /** Writes the checkpoint, then redraws the loss plot. */
  const checkpoint = (): Promise<void> => {
    if (!dp.isMain) return Promise.resolve();
    saveAtomically(checkpointPath, (tmp) => saveCodec(tmp, codec, provenance(), optimizer.stateDict()));
    lastCheckpoint = Date.now();
    log(`step ${step}: checkpoint written`);
    return writeLossPlot(readLog(logPath), join(o.outDir, 'loss.png')).catch((e) => log(`plot failed: ${e}`));
  };

  // SIGINT / SIGTERM end the run after the current step, with a checkpoint. The loop yields to the event
  // loop once per step, so that signals are seen and the loss plot (an async PNG encode) gets written.
  let stopSignal: string | null = null;
  const onSignal = (signal: string) => {
    stopSignal = signal;
    log(`${signal}: stopping after this step`);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  while (step < o.maxSteps) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    // All ranks stop at the same step (a signal or the time limit may reach them at different steps).
    if (await dp.anyRank(stopSignal !== null || Date.now() - runStart >= o.maxMinutes * 60_000)) break;
    const batch = batches.next().value;
    const decoderOnly = step < o.decoderOnlySteps;
    // Quantizer dropout: one level count per step, the same on every rank.
    const levelRandom = createRandom(mixSeed(o.seed, `levels:${step}`));
    const numLevels =
      levelRandom() < o.levelDropout
        ? 1 + Math.floor(levelRandom() * codec.numCodebooks)
        : codec.numCodebooks;
    const t0 = Date.now();
    const record = tidy((): CodecLogRecord => {
      const wave = tensor(batch.samples, [rowsPerRank, batch.numSamples]);
      const latents = decoderOnly ? noGrad(() => codec.latents(wave)) : codec.latents(wave);
      const q = codec.quantizer.forward(latents, numLevels);
      const y = codec.decoder.forward(q.quantized).squeeze(1);
      const stft = multiScaleStftLoss(y, wave);
      const mel = melL1(y, wave);
      let loss = stft.mul(o.stftWeight).add(mel.mul(o.melWeight));
      if (o.yamnetMelWeight > 0) loss = loss.add(yamnetMelL1(y, wave).mul(o.yamnetMelWeight));
      const musicnn = musicnnLoss?.distance(y, wave);
      if (musicnn) loss = loss.add(musicnn.mul(o.musicnnWeight));
      if (!decoderOnly) loss = loss.add(q.commitLoss.mul(o.commitWeight));
      optimizer.zeroGrad();
      loss.backward();
      const level0 = q.codes.select(1, 0).flatten().toArray();
      return {
        step: step + 1,
        time: new Date().toISOString(),
        phase: decoderOnly ? 'decoder' : 'both',
        numLevels,
        loss: loss.item(),
        stft: stft.item(),
        mel: mel.item(),
        commit: q.commitLoss.item(),
        ...(musicnn ? { musicnn: musicnn.item() } : {}),
        latentStd: latents.detach().var().sqrt().item(),
        distinctCodes: new Set(level0).size,
        gradNorm: 0,
        seconds: 0,
      };
    });
    await dp.averageGradients(params);
    if (dp.worldSize > 1) await dp.averageTensors(buffers); // EMA codebook statistics of all shards
    record.gradNorm = clipGradNorm(params, 10);
    optimizer.stepWith(schedule(step));
    step += 1;
    record.seconds = (Date.now() - t0) / 1000;
    if (dp.isMain && (step % o.validateEvery === 0 || step === 1)) {
      const levels = [4, 8, codec.numCodebooks].filter(
        (l, i, a) => l <= codec.numCodebooks && a.indexOf(l) === i,
      );
      const melByLevels: Record<string, number> = {};
      for (const l of levels) {
        const scores = validateCodec(codec, validation, l, l === codec.numCodebooks ? yamnetReference : null);
        melByLevels[String(l)] = scores.melL1;
        if (scores.yamnetCos !== null) record.validationYamnetCos = scores.yamnetCos;
      }
      record.validationMel = melByLevels;
      const full = melByLevels[String(codec.numCodebooks)]!;
      if (full < bestMel) {
        bestMel = full;
        saveAtomically(join(o.outDir, bestName), (tmp) => saveCodec(tmp, codec, provenance()));
      }
      const cos = record.validationYamnetCos;
      log(
        `step ${step}: validation mel-L1 ${JSON.stringify(melByLevels)} (best ${bestMel.toFixed(4)})` +
          (cos === undefined ? '' : `, YAMNet cos ${cos.toFixed(4)} at ${codec.numCodebooks} levels`),
      );
    }
    if (dp.isMain) appendLog(logPath, record);
    if (step % 10 === 0)
      log(
        `step ${step} [${record.phase}] loss ${record.loss.toFixed(4)} mel ${record.mel.toFixed(4)} commit ${record.commit.toFixed(4)} ` +
          `std ${record.latentStd.toFixed(3)} codes ${record.distinctCodes} levels ${numLevels} ${record.seconds.toFixed(2)} s/step`,
      );
    if (Date.now() - lastCheckpoint > o.checkpointMinutes * 60_000) await checkpoint();
  }
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  await checkpoint();
  optimizer.dispose();
  musicnnLoss?.dispose();
  yamnet?.dispose();
  codec.dispose();
  corpus.close();
  return step;
}
