// A perceptual loss for codec training: L1 distance between MusiCNN's frame-level features (the 753-d dense
// midend output, src/encoders/musicnnNetwork.ts) of the reconstruction and of the original. MusiCNN is a
// frozen music tagger (MTT), so the loss weighs what a network trained on music hears (timbre, harmonic
// texture) rather than bin-by-bin spectral error. Measured here: spectral losses alone raised YAMNet's
// embedding distance while lowering mel-L1 (docs/codec.md), which is what this term is for.
import { MusicnnTagger } from '../encoders/musicnn.js';
import { musicnnLogMelTensor } from '../encoders/musicnnFrontend.js';
import { F, noGrad, type Tensor, tidy } from '../torch/index.js';

export class MusicnnFeatureLoss {
  private constructor(private readonly tagger: MusicnnTagger) {
    for (const p of tagger.network.parameters()) p.requiresGrad_(false);
  }

  static async create(dataset: 'mtt' | 'msd' | 'debug' = 'mtt'): Promise<MusicnnFeatureLoss> {
    return new MusicnnFeatureLoss(await MusicnnTagger.fromPretrained(dataset));
  }

  /** mean |features(a) - features(b)|; a (reconstruction, with gradients), b (target) [B, N]. Scalar. */
  distance(a: Tensor, b: Tensor): Tensor {
    return tidy(() => {
      const features = (wave: Tensor) =>
        this.tagger.network.forward(musicnnLogMelTensor(wave, { float16: false })).frameFeatures;
      const fa = features(a);
      const fb = noGrad(() => features(b));
      return F.l1Loss(fa, fb);
    });
  }

  dispose(): void {
    this.tagger.dispose();
  }
}
