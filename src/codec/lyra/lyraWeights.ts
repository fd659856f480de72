// Loads Lyra v2's TFLite weights (soundstream_encoder.tflite, lyragan.tflite, quantizer.tflite from the
// model store) into our float SoundStream modules. int8 weights are dequantized per channel, int32 biases
// with their own scales; the convolutions are taken in graph order, which is the order our modules list
// them in (ref: ../shared/reference/lyra_soundstream_structure.md). Layout changes, TFLite -> PyTorch:
//   CONV_2D [O, K, 1, I/g] -> [O, I/g, K];  DEPTHWISE_CONV_2D [1, K, 1, C] -> [C, 1, K];
//   TRANSPOSE_CONV [O, K, 1, I] -> [I, O, K], the split groups concatenated along I.
import { V2meowError } from '../../errors.js';
import { noGrad, type Tensor, tensor, tidy } from '../../torch/index.js';
import { readModelBytes, resolveModel } from '../../weights/modelStore.js';
import { readTfliteModel, type TfliteModel, type TfliteOperator } from '../../weights/tflite/model.js';
import { constantTensorValues } from '../../weights/tflite/quantization.js';
import { CausalConv1d, type CausalConvTranspose1d, type ResidualStack } from '../layers.js';
import { lyraNetConfig, SoundStreamDecoder, SoundStreamEncoder } from '../soundstreamNet.js';

export const lyraModelIds = {
  encoder: 'lyra-soundstream-encoder',
  quantizer: 'lyra-quantizer',
  decoder: 'lyra-soundstream-decoder',
} as const;

interface ConvSlot {
  /** The graph operators filling this layer (several for Lyra's split transposed convs). */
  readonly ops: TfliteOperator[];
}

const convOps = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'TRANSPOSE_CONV']);

/** Convolution operators of subgraph 0 in execution order, consecutive TRANSPOSE_CONVs grouped. */
function convSlots(model: TfliteModel): ConvSlot[] {
  const slots: ConvSlot[] = [];
  for (const op of model.subgraphs[0]!.operators) {
    if (!convOps.has(op.opName)) continue;
    const last = slots[slots.length - 1];
    if (op.opName === 'TRANSPOSE_CONV' && last && last.ops[0]!.opName === 'TRANSPOSE_CONV') last.ops.push(op);
    else slots.push({ ops: [op] });
  }
  return slots;
}

function values(model: TfliteModel, tensorId: number): { data: Float32Array; shape: readonly number[] } {
  const t = model.subgraphs[0]!.tensors[tensorId]!;
  return { data: constantTensorValues(model, t), shape: t.shape };
}

/** Weight [O, I/g, K] and bias of a CONV_2D or DEPTHWISE_CONV_2D operator. */
function convWeights(
  model: TfliteModel,
  op: TfliteOperator,
): { weight: Float32Array; shape: number[]; bias: Float32Array } {
  const w = values(model, op.inputs[1]!);
  const bias = values(model, op.inputs[2]!).data;
  const [a, k, , c] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  if (op.opName === 'DEPTHWISE_CONV_2D') {
    for (let kk = 0; kk < k; kk++) for (let ch = 0; ch < c; ch++) out[ch * k + kk] = w.data[kk * c + ch]!;
    return { weight: out, shape: [c, 1, k], bias };
  }
  for (let o = 0; o < a; o++)
    for (let kk = 0; kk < k; kk++)
      for (let i = 0; i < c; i++) out[(o * c + i) * k + kk] = w.data[(o * k + kk) * c + i]!;
  return { weight: out, shape: [a, c, k], bias };
}

/** Weight [I, O, K] and bias of one TRANSPOSE_CONV (inputs: output shape, weight, x, bias). */
function transposeWeights(
  model: TfliteModel,
  op: TfliteOperator,
): { weight: Float32Array; bias: Float32Array } {
  const w = values(model, op.inputs[1]!);
  const bias = values(model, op.inputs[3]!).data;
  const [o, k, , i] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let oo = 0; oo < o; oo++)
    for (let kk = 0; kk < k; kk++)
      for (let ii = 0; ii < i; ii++) out[(ii * o + oo) * k + kk] = w.data[(oo * k + kk) * i + ii]!;
  return { weight: out, bias };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function assign(target: Tensor, data: Float32Array, shape: readonly number[], where: string): void {
  if (target.shape.join(',') !== shape.join(','))
    throw new V2meowError(
      'SHAPE_MISMATCH',
      `${where}: Lyra weight [${shape}] for a layer of [${target.shape}]`,
    );
  const source = tensor(data, shape);
  target.copy_(source);
  source.dispose();
}

function fill(
  layer: CausalConv1d | CausalConvTranspose1d,
  slot: ConvSlot,
  model: TfliteModel,
  file: string,
): void {
  const where = `${file} op ${slot.ops[0]!.index}`;
  if (layer instanceof CausalConv1d) {
    if (slot.ops.length !== 1 || slot.ops[0]!.opName === 'TRANSPOSE_CONV')
      throw new V2meowError('BAD_FORMAT', `${where}: expected a convolution here`, file);
    const { weight, shape, bias } = convWeights(model, slot.ops[0]!);
    assign(layer.weight, weight, shape, where);
    assign(layer.bias, bias, [bias.length], where);
    return;
  }
  if (slot.ops[0]!.opName !== 'TRANSPOSE_CONV' || slot.ops.length !== layer.groups)
    throw new V2meowError(
      'BAD_FORMAT',
      `${where}: expected ${layer.groups} transposed convolutions here`,
      file,
    );
  const parts = slot.ops.map((op) => transposeWeights(model, op));
  assign(layer.weight, concat(parts.map((p) => p.weight)), layer.weight.shape, where);
  const bias = concat(parts.map((p) => p.bias));
  assign(layer.bias, bias, [bias.length], where);
}

function stackLayers(stack: ResidualStack): CausalConv1d[] {
  return stack.units.flatMap((u) => [u.depthwise, u.pointwise, u.mix]);
}

/** Encoder layers in Lyra's graph order. */
export function encoderLayers(encoder: SoundStreamEncoder): (CausalConv1d | CausalConvTranspose1d)[] {
  const out: CausalConv1d[] = [encoder.input];
  encoder.blocks.forEach((block, b) => {
    out.push(...stackLayers(block), encoder.downsample[b]!);
  });
  out.push(encoder.bottleneck);
  return out;
}

/** Decoder layers in Lyra's graph order. */
export function decoderLayers(decoder: SoundStreamDecoder): (CausalConv1d | CausalConvTranspose1d)[] {
  const out: (CausalConv1d | CausalConvTranspose1d)[] = [decoder.bottleneck];
  decoder.blocks.forEach((block, b) => {
    out.push(decoder.upsample[b]!, ...stackLayers(block));
  });
  out.push(decoder.output);
  return out;
}

function load<M extends SoundStreamEncoder | SoundStreamDecoder>(
  id: string,
  module: M,
  layers: (CausalConv1d | CausalConvTranspose1d)[],
  env: NodeJS.ProcessEnv,
): M {
  const file = resolveModel(id, env);
  const model = readTfliteModel(readModelBytes(id, env), file);
  const slots = convSlots(model);
  if (slots.length !== layers.length)
    throw new V2meowError(
      'BAD_FORMAT',
      `${slots.length} convolution layers in the graph, the port has ${layers.length}`,
      file,
    );
  noGrad(() =>
    tidy(() => {
      for (const [k, layer] of layers.entries()) fill(layer, slots[k]!, model, file);
    }),
  );
  return module;
}

/** Lyra v2's encoder as a float module of our engine (16 kHz waveform -> 64-d latents at 50 Hz). */
export function loadLyraEncoder(env: NodeJS.ProcessEnv = process.env): SoundStreamEncoder {
  const encoder = new SoundStreamEncoder(lyraNetConfig);
  return load(lyraModelIds.encoder, encoder, encoderLayers(encoder), env);
}

/** Lyra v2's decoder (lyragan) as a float module of our engine. */
export function loadLyraDecoder(env: NodeJS.ProcessEnv = process.env): SoundStreamDecoder {
  const decoder = new SoundStreamDecoder(lyraNetConfig);
  return load(lyraModelIds.decoder, decoder, decoderLayers(decoder), env);
}

/**
 * Lyra's 46 codebooks [46, 16, 64] from quantizer.tflite: codebook l is the [16, 64] constant named
 * `transpose` (l = 0) or `transpose_<l>` in the 'decode' subgraph.
 */
export function loadLyraCodebooks(env: NodeJS.ProcessEnv = process.env): Float32Array {
  const id = lyraModelIds.quantizer;
  const file = resolveModel(id, env);
  const model = readTfliteModel(readModelBytes(id, env), file);
  const graph = model.subgraphs[0]!;
  const byLevel = new Map<number, Float32Array>();
  for (const t of graph.tensors) {
    const match = /^transpose(?:_(\d+))?$/.exec(t.name);
    if (!match || t.shape.join() !== '16,64' || !model.buffers[t.buffer]?.length) continue;
    byLevel.set(Number(match[1] ?? 0), constantTensorValues(model, t));
  }
  if (byLevel.size !== 46) throw new V2meowError('BAD_FORMAT', `found ${byLevel.size} of 46 codebooks`, file);
  return concat(Array.from({ length: 46 }, (_, l) => byLevel.get(l)!));
}
