// A tiny encoder-decoder Transformer over the nn blocks, shared by the engine tests and the benchmark.
import { cat, F, full, nn, type Tensor } from '../../src/torch/index.js';

export interface Seq2SeqConfig extends nn.TransformerConfig {
  vocabSize: number;
}

export class Seq2Seq extends nn.Module {
  readonly embed: nn.Embedding;
  readonly encoder: nn.TransformerStack;
  readonly decoder: nn.TransformerStack;
  readonly head: nn.Linear;
  constructor(readonly config: Seq2SeqConfig) {
    super();
    this.embed = this.child('embed', new nn.Embedding(config.vocabSize, config.dModel, 0.02));
    this.encoder = this.child('encoder', new nn.TransformerStack(config, false, false));
    this.decoder = this.child('decoder', new nn.TransformerStack(config, true, true));
    this.head = this.child('head', new nn.Linear(config.dModel, config.vocabSize));
  }
  encode(source: Tensor): Tensor {
    return this.encoder.forward(this.embed.forward(source));
  }
  /** logits [B, T, V] for decoder inputs [B, T]. */
  decode(memory: Tensor, inputs: Tensor, cache?: nn.DecoderCache): Tensor {
    return this.head.forward(this.decoder.forward(this.embed.forward(inputs), { memory, cache }));
  }
  loss(source: Tensor, inputs: Tensor, targets: Tensor): Tensor {
    const logits = this.decode(this.encode(source), inputs);
    return F.crossEntropy(logits.transpose(1, 2), targets);
  }
  /** Greedy decoding with a KV cache: [B, S] -> [B, steps]. */
  greedy(source: Tensor, bos: number, steps: number): Tensor {
    const memory = this.encode(source);
    const cache = new nn.DecoderCache(this.config.numLayers, steps, source.size(1));
    let token = full([source.size(0), 1], bos, { dtype: 'int64' });
    const out: Tensor[] = [];
    for (let k = 0; k < steps; k++) {
      token = this.decode(memory, token, cache).argmax(-1);
      out.push(token);
    }
    cache.dispose();
    return cat(out, 1);
  }
}
