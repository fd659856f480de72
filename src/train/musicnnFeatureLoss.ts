// A perceptual loss for codec training: L1 distance between MusiCNN's frame-level features (the 753-d dense
// midend output, src/encoders/musicnnNetwork.ts) of the reconstruction and of the original. MusiCNN is a
// frozen music tagger (MTT), so the loss weighs what a network trained on music hears (timbre, harmonic
// texture) rather than bin-by-bin spectral error. Measured here: spectral losses alone raised YAMNet's
// embedding distance while lowering mel-L1 (docs/codec.md), which is what this term is for.
import { MusicnnTagger } from '../encoders/musicnn.js';
import {
  musicnnFftSize,
  musicnnHopSamples,
  musicnnMelFilterBank,
  musicnnNumMels,
} from '../encoders/musicnnFrontend.js';
import { F, noGrad, type Tensor, tensor, tidy } from '../torch/index.js';

export class MusicnnFeatureLoss {
  private readonly bank: Tensor;
  private readonly window: Tensor;

  private constructor(private readonly tagger: MusicnnTagger) {
    for (const p of tagger.network.parameters()) p.requiresGrad_(false);
    this.bank = tensor(musicnnMelFilterBank(), [musicnnNumMels, musicnnFftSize / 2 + 1]).keep();
    this.window = F.window('hann', musicnnFftSize, true).keep();
  }

  static async create(dataset: 'mtt' | 'msd' | 'debug' = 'mtt'): Promise<MusicnnFeatureLoss> {
    return new MusicnnFeatureLoss(await MusicnnTagger.fromPretrained(dataset));
  }

  /** Differentiable MusiCNN log-mel of wave [B, N] at 16 kHz -> [B, frames, 96] (no float16 rounding). */
  private logMel(wave: Tensor): Tensor {
    return tidy(() => {
      const spectrum = F.stft(wave, {
        nFft: musicnnFftSize,
        hopSamples: musicnnHopSamples,
        window: this.window,
        center: true,
        padMode: 'reflect',
      });
      const power = spectrum.viewAsReal().square().sum(-1);
      return this.bank.matmul(power).mul(10000).add(1).log10().transpose(1, 2);
    });
  }

  /** mean |features(a) - features(b)|; a (reconstruction, with gradients), b (target) [B, N]. Scalar. */
  distance(a: Tensor, b: Tensor): Tensor {
    return tidy(() => {
      const fa = this.tagger.network.forward(this.logMel(a)).frameFeatures;
      const fb = noGrad(() => this.tagger.network.forward(this.logMel(b)).frameFeatures);
      return F.l1Loss(fa, fb);
    });
  }

  dispose(): void {
    this.bank.dispose();
    this.window.dispose();
    this.tagger.dispose();
  }
}
