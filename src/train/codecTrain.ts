// The music codec as a task of the shared training loop (loop.ts; issue 7's recipe): start from Lyra's
// encoder/decoder with a k-means RVQ, fine-tune on the music corpus with multi-scale STFT + mel reconstruction
// losses, a small commitment loss, a MusiCNN frame-feature distance, EMA codebooks with dead-code restarts
// and quantizer dropout, at a low learning rate after a warmup (the defaults are the recipe of the committed
// codec: docs/codec.md). The loop brings checkpoints, resume, signals, log.jsonl, the loss plot and the best
// validation model kept apart (docs/training.md), and data parallelism over processes (docs/distributed.md):
// --batch is the global batch, each rank takes its share, and the EMA codebooks are averaged each step.
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
import { noGrad, type Tensor, tensor, tidy } from '../torch/index.js';
import { randomInt } from '../util/random.js';
import { EpochOrder, indexedBatches } from './batchOrder.js';
import { initFromLyra, initQuantizerByKMeans } from './codecInit.js';
import { type CodecLogRecord, codecLossSeries } from './codecLog.js';
import { localBatchSize } from './dataParallel.js';
import {
  type BatchSource,
  type DataParallel,
  type DataShard,
  defaultTrainingOptions,
  runTraining,
  type StartedTask,
  type StepContext,
  type StepOutput,
  type TrainingStart,
  type TrainingTask,
  type ValidationResult,
} from './loop.js';
import { MusicnnFeatureLoss } from './musicnnFeatureLoss.js';

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
  /** Rows per step over all ranks together (each of W ranks trains on batchSize / W). */
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
  /** Data-parallel hook (default: one process). */
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

/** Version of the mel-L1 definition in losses.ts; a resumed run with another resets its best score. */
export const melDefinitionVersion = 2;

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

/** A training batch: crops [batchSize, numSamples] of corpus segments. */
export interface CodecBatch {
  readonly samples: Float32Array;
  /** Rows per step over all ranks together (each of W ranks trains on batchSize / W). */
  readonly batchSize: number;
  readonly numSamples: number;
}

/** The codec's part of training: model, data, loss and validation; the loop does the rest. */
export class CodecTrainingTask implements TrainingTask<CodecBatch> {
  readonly name = 'codec';
  readonly scoreName = `validation mel-L1 at all levels (definition ${melDefinitionVersion})`;
  private corpus: CorpusReader | null = null;
  private codecModel: SoundStreamCodec | null = null;
  private yamnet: Yamnet | null = null;
  private musicnnLoss: MusicnnFeatureLoss | null = null;
  private validation: Float32Array[] = [];
  private yamnetReference: YamnetReference | null = null;

  constructor(readonly options: CodecTrainOptions) {}

  get codec(): SoundStreamCodec {
    if (!this.codecModel) throw new Error('CodecTrainingTask: start() first');
    return this.codecModel;
  }

  async start(start: TrainingStart, log: (message: string) => void): Promise<StartedTask> {
    const o = this.options;
    try {
      const corpus = CorpusReader.open(o.corpusDir);
      this.corpus = corpus;
      let started: StartedTask = {};
      if (start.from === 'checkpoint') {
        const loaded = loadCodec(start.path);
        this.codecModel = loaded.codec;
        started = { provenance: loaded.provenance, extraTensors: loaded.rest };
      } else if (start.from === 'init') {
        const loaded = loadCodec(start.path);
        for (const t of loaded.rest.values()) t.dispose();
        this.codecModel = loaded.codec;
        log(`starting from the weights of ${start.path}`);
      } else this.codecModel = createCodec(o.preset);
      const codec = this.codecModel;
      // A replica (a non-main rank) gets rank 0's weights by broadcast and never validates.
      const replica = start.from === 'fresh' && start.replica === true;
      this.yamnet = o.validateYamnet && !replica ? await Yamnet.fromPretrained() : null;
      if (this.yamnet && this.yamnet.config.sampleRateHz !== codec.sampleRateHz) {
        for (const t of started.extraTensors?.values() ?? []) t.dispose();
        throw new V2meowError(
          'BAD_ARGUMENT',
          `YAMNet validation needs a ${this.yamnet.config.sampleRateHz} Hz codec, this one runs at ` +
            `${codec.sampleRateHz} Hz (use --no-validate-yamnet)`,
          o.outDir,
        );
      }
      if (start.from === 'fresh' && !replica) {
        if (o.fromLyra) {
          initFromLyra(codec);
          log("encoder and decoder start from Lyra v2's weights");
        }
        const began = Date.now();
        const cropSamples = Math.round(o.cropSeconds * corpus.sampleRateHz);
        initQuantizerByKMeans(codec, corpus, {
          numSegments: o.kmeansSegments,
          iterations: o.kmeansIterations,
          framesPerBatch: (o.batchSize * cropSamples) / codec.hopSamples,
          seed: o.seed + 1,
          log,
        });
        log(`k-means init took ${((Date.now() - began) / 1000).toFixed(0)} s`);
      }
      codec.train();
      this.musicnnLoss =
        o.musicnnWeight > 0 ? await MusicnnFeatureLoss.create(o.preset === 'debug' ? 'debug' : 'mtt') : null;
      this.validation = replica ? [] : validationSet(corpus, o.validationSegments);
      const yamnet = this.yamnet;
      this.yamnetReference = yamnet
        ? { yamnet, embeddings: this.validation.map((clip) => yamnet.run(clip).embeddings) }
        : null;
      return started;
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  parameters(): Tensor[] {
    return this.codec.parameters();
  }

  /** The quantizer's EMA codebook statistics (and any other buffer). */
  buffers(): Tensor[] {
    return this.codec.namedBuffers().map(([, b]) => b);
  }

  /** The EMA codebooks learn from each rank's batch: the loop averages them over the ranks. */
  readonly stepUpdatesBuffers = true;

  /** Random crops of the train split's segments, each epoch a seeded permutation (batchOrder.ts). */
  batches(shard: DataShard, resume: { step: number; state: unknown }): BatchSource<CodecBatch> {
    const corpus = this.corpus!;
    const segments = corpus.segments('train');
    if (segments.length === 0)
      throw new V2meowError('EMPTY_CORPUS', "split 'train' has no segments", this.options.corpusDir);
    const numSamples = Math.round(this.options.cropSeconds * corpus.sampleRateHz);
    if (numSamples < 1 || numSamples > corpus.segmentSamples)
      throw new V2meowError(
        'BAD_ARGUMENT',
        `--crop-seconds ${this.options.cropSeconds}: segments of this corpus last ` +
          `${corpus.segmentSamples / corpus.sampleRateHz} s`,
        this.options.corpusDir,
      );
    const rowsPerRank = localBatchSize(this.options.batchSize, shard.worldSize);
    const order = new EpochOrder(segments.length, rowsPerRank, shard, 'codec:train');
    return indexedBatches(
      (index) => {
        const rows = order.batch(index);
        const samples = new Float32Array(rows.items.length * numSamples);
        rows.items.forEach((item, row) => {
          const cropStart = randomInt(rows.rowRandom[row]!, corpus.segmentSamples - numSamples + 1);
          corpus.readSegmentInto(segments[item]!, samples, row * numSamples, cropStart, numSamples);
        });
        return { samples, batchSize: rows.items.length, numSamples };
      },
      resume.state,
      resume.step,
    );
  }

  step(batch: CodecBatch, context: StepContext): StepOutput {
    const o = this.options;
    const codec = this.codec;
    const decoderOnly = context.step < o.decoderOnlySteps;
    // Quantizer dropout: one level count per step, the same on every rank.
    const numLevels =
      context.sharedRandom() < o.levelDropout
        ? 1 + Math.floor(context.sharedRandom() * codec.numCodebooks)
        : codec.numCodebooks;
    const wave = tensor(batch.samples, [batch.batchSize, batch.numSamples]);
    const latents = decoderOnly ? noGrad(() => codec.latents(wave)) : codec.latents(wave);
    const q = codec.quantizer.forward(latents, numLevels);
    const y = codec.decoder.forward(q.quantized).squeeze(1);
    const stft = multiScaleStftLoss(y, wave);
    const mel = melL1(y, wave);
    let loss = stft.mul(o.stftWeight).add(mel.mul(o.melWeight));
    if (o.yamnetMelWeight > 0) loss = loss.add(yamnetMelL1(y, wave).mul(o.yamnetMelWeight));
    const musicnn = this.musicnnLoss?.distance(y, wave);
    if (musicnn) loss = loss.add(musicnn.mul(o.musicnnWeight));
    if (!decoderOnly) loss = loss.add(q.commitLoss.mul(o.commitWeight));
    const level0 = q.codes.select(1, 0).flatten().toArray();
    return {
      loss,
      metrics: {
        phase: decoderOnly ? 'decoder' : 'both',
        numLevels,
        stft,
        mel,
        commit: q.commitLoss,
        ...(musicnn ? { musicnn } : {}),
        latentStd: latents.detach().var().sqrt(),
        distinctCodes: new Set(level0).size,
      },
    };
  }

  /** Mel-L1 at 4, 8 and all levels (the score: all levels) and YAMNet cosine at all levels. */
  validate(): ValidationResult {
    const codec = this.codec;
    const levels = [4, 8, codec.numCodebooks].filter(
      (l, i, a) => l <= codec.numCodebooks && a.indexOf(l) === i,
    );
    const melByLevels: Record<string, number> = {};
    let yamnetCos: number | null = null;
    for (const l of levels) {
      const reference = l === codec.numCodebooks ? this.yamnetReference : null;
      const scores = validateCodec(codec, this.validation, l, reference);
      melByLevels[String(l)] = scores.melL1;
      if (scores.yamnetCos !== null) yamnetCos = scores.yamnetCos;
    }
    return {
      score: melByLevels[String(codec.numCodebooks)]!,
      metrics: {
        validationMel: melByLevels,
        ...(yamnetCos === null ? {} : { validationYamnetCos: yamnetCos }),
      },
    };
  }

  save(
    path: string,
    provenance: Record<string, unknown>,
    optimizerState?: ReadonlyMap<string, Tensor>,
  ): void {
    saveCodec(path, this.codec, provenance, optimizerState);
  }

  provenance(state: { step: number; bestScore: number }): Record<string, unknown> {
    const o = this.options;
    return {
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
      bestValidationMelL1: Number.isFinite(state.bestScore) ? state.bestScore : null,
      melDefinitionVersion,
    };
  }

  /** Checkpoints written before the shared loop recorded their best mel-L1 here. */
  bestScoreOf(provenance: Record<string, unknown>): number | undefined {
    const best = provenance.bestValidationMelL1;
    return provenance.melDefinitionVersion === melDefinitionVersion && typeof best === 'number' && best > 0
      ? best
      : undefined;
  }

  describe(r: CodecLogRecord): string {
    return (
      `[${r.phase}] loss ${r.loss.toFixed(4)} mel ${r.mel.toFixed(4)} commit ${r.commit.toFixed(4)} ` +
      `std ${r.latentStd.toFixed(3)} codes ${r.distinctCodes} levels ${r.numLevels}`
    );
  }

  plotSeries(records: readonly CodecLogRecord[]) {
    return codecLossSeries(records);
  }

  dispose(): void {
    this.musicnnLoss?.dispose();
    this.yamnet?.dispose();
    this.codecModel?.dispose();
    this.corpus?.close();
    this.musicnnLoss = this.yamnet = this.codecModel = this.corpus = null;
    this.yamnetReference = null;
  }
}

/** Runs (or resumes) codec training in `o.outDir`; returns the final step. */
export async function trainCodec(o: CodecTrainOptions): Promise<number> {
  const summary = await runTraining(new CodecTrainingTask(o), {
    ...defaultTrainingOptions,
    outDir: o.outDir,
    initFrom: o.initFrom,
    learningRate: o.learningRate,
    warmupSteps: o.warmupSteps,
    schedule: 'constant',
    adamW: { beta1: 0.8, beta2: 0.99, eps: 1e-8, weightDecay: 0 },
    maxGradNorm: 10,
    maxSteps: o.maxSteps,
    maxMinutes: o.maxMinutes,
    checkpointMinutes: o.checkpointMinutes,
    validateEvery: o.validateEvery,
    seed: o.seed,
    progressEvery: 10,
    provenance: o.provenance,
    log: o.log,
    parallel: o.parallel,
  });
  return summary.step;
}
