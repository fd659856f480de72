// SoundStreamCodec: encoder + residual vector quantizer + decoder behind the AudioCodec interface
// (SoundStream, Zeghidour et al. 2021; V2Meow's acoustic tokenizer: 16 kHz, 50 Hz, 12 levels x 1024 with
// 4 coarse + 8 fine). Presets: 'default' (Lyra v2's encoder/decoder layout with a 12 x 1024 RVQ), 'lyra'
// (Lyra v2 itself, 46 x 16) and 'debug' (tiny, for tests). Saved as a v2meow model file (config + weights).
import { V2meowError } from '../errors.js';
import {
  F,
  loadModelWeights,
  nn,
  noGrad,
  readModelInfo,
  saveModel,
  type Tensor,
  tidy,
} from '../torch/index.js';
import type { AudioCodec, StreamingDecoder } from './audioCodec.js';
import { StreamState } from './layers.js';
import { loadLyraCodebooks, loadLyraDecoder, loadLyraEncoder } from './lyra/lyraWeights.js';
import { defaultQuantizerTraining, ResidualVectorQuantizer } from './rvq.js';
import {
  hopSamples,
  lyraNetConfig,
  SoundStreamDecoder,
  SoundStreamEncoder,
  type SoundStreamNetConfig,
} from './soundstreamNet.js';

export interface SoundStreamCodecConfig {
  /** Identifier written into token files. */
  readonly id: string;
  readonly sampleRateHz: number;
  readonly net: SoundStreamNetConfig;
  /** RVQ levels. */
  readonly numCodebooks: number;
  /** Entries per codebook. */
  readonly codebookSize: number;
  /** Levels the coarse (semantic-to-coarse) stage predicts; the rest are fine. */
  readonly numCoarse: number;
  /** EMA decay of the codebooks. */
  readonly emaDecay: number;
  /** Dead-code threshold as a fraction of the mean hits per code per batch. */
  readonly deadCodeFraction: number;
}

export const codecPresets = {
  default: {
    id: 'v2meow-soundstream-16k',
    sampleRateHz: 16000,
    net: lyraNetConfig,
    numCodebooks: 12,
    codebookSize: 1024,
    numCoarse: 4,
    ...defaultQuantizerTraining,
  },
  lyra: {
    id: 'lyra-v2',
    sampleRateHz: 16000,
    net: lyraNetConfig,
    numCodebooks: 46,
    codebookSize: 16,
    numCoarse: 46,
    ...defaultQuantizerTraining,
  },
  debug: {
    id: 'v2meow-soundstream-debug',
    sampleRateHz: 16000,
    net: {
      channels: [8, 16, 32],
      groups: [1, 2, 4],
      strides: [16, 5, 2, 2],
      latentDim: 16,
      bottleneckGroups: 4,
    },
    numCodebooks: 4,
    codebookSize: 64,
    numCoarse: 2,
    ...defaultQuantizerTraining,
  },
} as const satisfies Record<string, SoundStreamCodecConfig>;

export type CodecPreset = keyof typeof codecPresets;

/** What a training forward pass gives. */
export interface CodecTrainOutput {
  /** Reconstruction [B, N]. */
  readonly reconstruction: Tensor;
  /** Encoder latents [B, D, T] (before quantization). */
  readonly latents: Tensor;
  /** Codes [B, numLevels, T]. */
  readonly codes: Tensor;
  readonly commitLoss: Tensor;
}

export class SoundStreamCodec extends nn.Module implements AudioCodec {
  readonly encoder: SoundStreamEncoder;
  readonly quantizer: ResidualVectorQuantizer;
  readonly decoder: SoundStreamDecoder;

  constructor(readonly config: SoundStreamCodecConfig) {
    super();
    this.encoder = this.child('encoder', new SoundStreamEncoder(config.net));
    this.quantizer = this.child(
      'quantizer',
      new ResidualVectorQuantizer({
        numCodebooks: config.numCodebooks,
        codebookSize: config.codebookSize,
        dim: config.net.latentDim,
        emaDecay: config.emaDecay,
        deadCodeFraction: config.deadCodeFraction,
      }),
    );
    this.decoder = this.child('decoder', new SoundStreamDecoder(config.net));
  }

  get id(): string {
    return this.config.id;
  }
  get sampleRateHz(): number {
    return this.config.sampleRateHz;
  }
  get hopSamples(): number {
    return hopSamples(this.config.net);
  }
  get frameRateHz(): number {
    return this.config.sampleRateHz / this.hopSamples;
  }
  get numCodebooks(): number {
    return this.config.numCodebooks;
  }
  get codebookSize(): number {
    return this.config.codebookSize;
  }

  /** Waveform [B, N] -> [B, 1, N'] zero-padded to whole frames. */
  private frames(wave: Tensor): Tensor {
    if (wave.rank !== 2)
      throw new V2meowError('SHAPE_MISMATCH', `codec input must be [B, N], got [${wave.shape}]`);
    const extra = (this.hopSamples - (wave.size(1) % this.hopSamples)) % this.hopSamples;
    return (extra ? F.pad(wave, [0, extra]) : wave).unsqueeze(1);
  }

  private checkLevels(numLevels: number): void {
    if (!Number.isInteger(numLevels) || numLevels < 1 || numLevels > this.numCodebooks)
      throw new V2meowError('BAD_ARGUMENT', `${numLevels} levels: this codec has 1..${this.numCodebooks}`);
  }

  /** Latents [B, D, T] of waveform [B, N]. */
  latents(wave: Tensor): Tensor {
    return this.encoder.forward(this.frames(wave));
  }

  encode(wave: Tensor, numLevels = this.numCodebooks): Tensor {
    this.checkLevels(numLevels);
    return noGrad(() => tidy(() => this.quantizer.encode(this.latents(wave), numLevels)));
  }

  decode(tokens: Tensor): Tensor {
    this.checkTokens(tokens);
    return noGrad(() => tidy(() => this.decoder.forward(this.quantizer.decode(tokens)).squeeze(1)));
  }

  private checkTokens(tokens: Tensor): void {
    if (tokens.rank !== 3)
      throw new V2meowError('SHAPE_MISMATCH', `tokens must be [B, K, T], got [${tokens.shape}]`);
    this.checkLevels(tokens.size(1));
  }

  streamingDecoder(): StreamingDecoder {
    const state = new StreamState();
    return {
      push: (tokens: Tensor) => {
        this.checkTokens(tokens);
        return noGrad(() =>
          tidy(() => this.decoder.forward(this.quantizer.decode(tokens), state).squeeze(1)),
        );
      },
      dispose: () => state.dispose(),
    };
  }

  /**
   * Training pass on waveform [B, N] (N a multiple of hopSamples) at `numLevels` levels: encoder, RVQ with
   * straight-through gradients (and EMA updates when training), decoder.
   */
  forward(wave: Tensor, numLevels = this.numCodebooks): CodecTrainOutput {
    const latents = this.latents(wave);
    const { quantized, codes, commitLoss } = this.quantizer.forward(latents, numLevels);
    const reconstruction = this.decoder.forward(quantized).squeeze(1);
    return { reconstruction, latents, codes, commitLoss };
  }
}

export const codecModelKind = 'codec';

/** A codec from a preset, with fresh (random) weights. */
export function createCodec(preset: CodecPreset | SoundStreamCodecConfig): SoundStreamCodec {
  return new SoundStreamCodec(typeof preset === 'string' ? codecPresets[preset] : preset);
}

/** Lyra v2 (encoder, 46 x 16 RVQ, decoder) ported from its TFLite files in the model store. */
export function loadLyraCodec(env: NodeJS.ProcessEnv = process.env): SoundStreamCodec {
  const codec = createCodec('lyra');
  const encoder = loadLyraEncoder(env);
  const decoder = loadLyraDecoder(env);
  noGrad(() =>
    tidy(() => {
      for (const [from, to] of [
        [encoder, codec.encoder],
        [decoder, codec.decoder],
      ] as const)
        to.loadStateDict(from.stateDict());
    }),
  );
  encoder.dispose();
  decoder.dispose();
  codec.quantizer.setCodebooks(loadLyraCodebooks(env), 1);
  return codec.eval();
}

/** Saves a codec (config + weights + provenance) as a v2meow model file; extra tensors (optimizer) optional. */
export function saveCodec(
  path: string,
  codec: SoundStreamCodec,
  provenance: Record<string, unknown>,
  moreTensors?: ReadonlyMap<string, Tensor>,
): void {
  saveModel(path, codec, { kind: codecModelKind, config: codec.config, extra: provenance }, moreTensors);
}

/** Loads a codec file; returns the codec, its provenance, and tensors the codec does not own (optimizer). */
export function loadCodec(path: string): {
  codec: SoundStreamCodec;
  provenance: Record<string, unknown>;
  rest: Map<string, Tensor>;
} {
  const info = readModelInfo<SoundStreamCodecConfig>(path, codecModelKind);
  const codec = new SoundStreamCodec(info.config);
  const rest = loadModelWeights(path, codec);
  return { codec: codec.eval(), provenance: info.extra, rest };
}
