// Measures of what discrete tokens carry, used to choose the semantic tokenizer (docs/tokens.md): entropies
// of token streams, the conditional entropy of one stream given another (plug-in, and a held-out estimate
// that the plug-in's downward bias with large vocabularies does not flatter), and a linear probe
// (multinomial logistic regression on per-clip token histograms, trained with AdamW on the engine).
import { V2meowError } from '../errors.js';
import { AdamW, F, noGrad, tensor, tidy, zeros } from '../torch/index.js';

/** Entropy in bits of a count vector. */
export function entropyBits(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return 0;
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) h -= (c / total) * Math.log2(c / total);
  }
  return h;
}

/** Usage of a vocabulary by a token stream. */
export interface TokenUsage {
  /** Distinct tokens that occur. */
  readonly used: number;
  /** 2^H(tokens): the effective vocabulary size. */
  readonly perplexity: number;
  /** H(tokens) in bits. */
  readonly entropyBits: number;
}

export function tokenUsage(tokens: ArrayLike<number>, vocabularySize: number): TokenUsage {
  const counts = new Float64Array(vocabularySize);
  for (let i = 0; i < tokens.length; i++) counts[tokens[i]!]! += 1;
  const h = entropyBits(counts);
  return { used: counts.filter((c) => c > 0).length, perplexity: 2 ** h, entropyBits: h };
}

/** Pairs (x, y) of two aligned token streams, with the fold (0 or 1) each pair belongs to. */
export interface TokenPairs {
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly fold: Uint8Array;
  readonly xSize: number;
  readonly ySize: number;
}

export interface ConditionalEntropy {
  /** H(Y) in bits (plug-in, all pairs). */
  readonly yBits: number;
  /** Plug-in H(Y | X) = H(X, Y) - H(X) in bits; biased low when the table is sparse. */
  readonly plugInBits: number;
  /**
   * Two-fold held-out cross-entropy of Y given X in bits: p(y | x) estimated on one fold, evaluated on the
   * other (both ways, averaged by pairs), with Witten-Bell smoothing towards the fold's p(y): p(y | x) =
   * (c(x, y) + T(x) p(y)) / (c(x) + T(x)), T(x) the number of distinct y seen with x (no tuned constant).
   */
  readonly heldOutBits: number;
  /** The same held-out estimate without X (p(y) alone, add-one smoothed): the baseline for heldOutBits. */
  readonly heldOutYBits: number;
}

export function conditionalEntropy(p: TokenPairs): ConditionalEntropy {
  const { x, y, fold, xSize, ySize } = p;
  if (x.length !== y.length || x.length !== fold.length)
    throw new V2meowError('SHAPE_MISMATCH', `${x.length} x, ${y.length} y, ${fold.length} folds`);
  const joint = [new Map<number, number>(), new Map<number, number>()];
  const xCounts = [new Float64Array(xSize), new Float64Array(xSize)];
  const yCounts = [new Float64Array(ySize), new Float64Array(ySize)];
  for (let i = 0; i < x.length; i++) {
    const f = fold[i]!;
    const key = x[i]! * ySize + y[i]!;
    joint[f]!.set(key, (joint[f]!.get(key) ?? 0) + 1);
    xCounts[f]![x[i]!]! += 1;
    yCounts[f]![y[i]!]! += 1;
  }
  const allJoint = new Map(joint[0]);
  for (const [k, v] of joint[1]!) allJoint.set(k, (allJoint.get(k) ?? 0) + v);
  const allX = xCounts[0]!.map((v, i) => v + xCounts[1]![i]!);
  const allY = yCounts[0]!.map((v, i) => v + yCounts[1]![i]!);
  const plugInBits = entropyBits([...allJoint.values()]) - entropyBits(allX);
  const foldSizes = xCounts.map((counts) => counts.reduce((a, b) => a + b, 0));
  // Distinct y per x in each fold (Witten-Bell's T(x)).
  const distinct = joint.map((table) => {
    const types = new Float64Array(xSize);
    for (const key of table.keys()) types[Math.floor(key / ySize)]! += 1;
    return types;
  });
  let crossBits = 0;
  let crossYBits = 0;
  for (let i = 0; i < x.length; i++) {
    const train = 1 - fold[i]!;
    const n = foldSizes[train]!;
    const py = (yCounts[train]![y[i]!]! + 1) / (n + ySize);
    const cxy = joint[train]!.get(x[i]! * ySize + y[i]!) ?? 0;
    const types = distinct[train]![x[i]!]!;
    const seen = xCounts[train]![x[i]!]!;
    const pyx = seen > 0 ? (cxy + types * py) / (seen + types) : py;
    crossBits -= Math.log2(pyx);
    crossYBits -= Math.log2(py);
  }
  return {
    yBits: entropyBits(allY),
    plugInBits,
    heldOutBits: crossBits / x.length,
    heldOutYBits: crossYBits / x.length,
  };
}

/** Per-clip token histograms (fractions, [numClips, vocabularySize]) of clips' token streams. */
export function tokenHistograms(clips: readonly Int32Array[], vocabularySize: number): Float32Array {
  const out = new Float32Array(clips.length * vocabularySize);
  for (const [c, tokens] of clips.entries())
    for (const t of tokens) out[c * vocabularySize + t]! += 1 / tokens.length;
  return out;
}

export interface ProbeOptions {
  /** Full-batch AdamW steps (default 300). */
  readonly steps?: number;
  /** Learning rate (default 0.02). */
  readonly lr?: number;
  /** Decoupled weight decay (default 0.05). */
  readonly weightDecay?: number;
}

export interface ProbeResult {
  /** Accuracy of the probe on the evaluation rows. */
  readonly accuracy: number;
  /** Accuracy of always answering the training rows' most frequent class. */
  readonly majorityAccuracy: number;
  /** Accuracy on the training rows (how well it fits). */
  readonly trainAccuracy: number;
}

/**
 * Multinomial logistic regression from features [N, D] to classes 0..numClasses-1: features are square-rooted
 * (histograms -> Hellinger) and standardised with the training rows' statistics; zero-initialised weights,
 * full-batch AdamW. Deterministic.
 */
export function linearProbe(
  train: { features: Float32Array; labels: Int32Array },
  evaluation: { features: Float32Array; labels: Int32Array },
  numClasses: number,
  o: ProbeOptions = {},
): ProbeResult {
  const n = train.labels.length;
  const dim = train.features.length / n;
  const m = evaluation.labels.length;
  const counts = new Float64Array(numClasses);
  for (const l of train.labels) counts[l]! += 1;
  const majority = counts.indexOf(Math.max(...counts));
  const majorityAccuracy = evaluation.labels.filter((l) => l === majority).length / m;
  return tidy(() => {
    const prepare = (f: Float32Array, rows: number) => tensor(f, [rows, dim]).clamp(0).sqrt();
    const xTrain = prepare(train.features, n);
    const mean = xTrain.mean(0);
    const std = xTrain.sub(mean).square().mean(0).sqrt().add(1e-6);
    const standardTrain = xTrain.sub(mean).div(std);
    const standardEval = prepare(evaluation.features, m).sub(mean).div(std);
    const yTrain = tensor(train.labels, [n], { dtype: 'int64' });
    const weight = zeros([dim, numClasses]).requiresGrad_();
    const bias = zeros([numClasses]).requiresGrad_();
    const optimizer = new AdamW([weight, bias], { lr: o.lr ?? 0.02, weightDecay: o.weightDecay ?? 0.05 });
    for (let step = 0; step < (o.steps ?? 300); step++)
      tidy(() => {
        optimizer.zeroGrad();
        F.crossEntropy(standardTrain.matmul(weight).add(bias), yTrain).backward();
        optimizer.stepWith();
      });
    const accuracy = (x: ReturnType<typeof tensor>, labels: Int32Array) =>
      noGrad(() => {
        const predicted = x.matmul(weight).add(bias).argmax(1).cast('int32').data() as Int32Array;
        return predicted.filter((p, i) => p === labels[i]).length / labels.length;
      });
    const result = {
      accuracy: accuracy(standardEval, evaluation.labels),
      majorityAccuracy,
      trainAccuracy: accuracy(standardTrain, train.labels),
    };
    for (const group of [optimizer.expAvg, optimizer.expAvgSq]) for (const t of group.flat()) t.dispose();
    weight.clearGrad();
    bias.clearGrad();
    return result;
  });
}
