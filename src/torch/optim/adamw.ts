// AdamW (Loshchilov & Hutter 2019) with the update done in native code for all parameters in one call,
// gradient-norm clipping, and learning-rate schedules.
import { zeros } from '../create.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';

export interface AdamWOptions {
  /** Base learning rate (a schedule may scale it per step). */
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay; 0 turns it off. */
  weightDecay?: number;
}

export interface ParamGroup {
  params: Tensor[];
  /** Overrides the optimizer's weight decay for this group (e.g. 0 for norms and biases). */
  weightDecay?: number;
}

export class AdamW {
  readonly groups: ParamGroup[];
  readonly expAvg: Tensor[][];
  readonly expAvgSq: Tensor[][];
  /** Number of steps taken (bias correction uses it). */
  step = 0;
  lr: number;

  constructor(
    params: Tensor[] | ParamGroup[],
    readonly options: AdamWOptions,
  ) {
    this.groups =
      params.length && 'params' in (params[0] as object)
        ? (params as ParamGroup[])
        : [{ params: params as Tensor[] }];
    this.expAvg = this.groups.map((g) => g.params.map((p) => zeros(p.shape, { dtype: p.dtype }).keep()));
    this.expAvgSq = this.groups.map((g) => g.params.map((p) => zeros(p.shape, { dtype: p.dtype }).keep()));
    this.lr = options.lr;
  }

  /** Applies one update from the parameters' current gradients, at `lr` (default: this.lr). */
  stepWith(lr = this.lr): void {
    this.step += 1;
    const o = this.options;
    this.groups.forEach((g, k) => {
      native.adamwStep(
        g.params.map((p) => p.handle),
        this.expAvg[k]!.map((t) => t.handle),
        this.expAvgSq[k]!.map((t) => t.handle),
        lr,
        o.beta1 ?? 0.9,
        o.beta2 ?? 0.999,
        o.eps ?? 1e-8,
        g.weightDecay ?? o.weightDecay ?? 0.01,
        this.step,
      );
    });
  }

  /** Drops all gradients (set to none). */
  zeroGrad(): void {
    for (const g of this.groups) native.zeroGrads(g.params.map((p) => p.handle));
  }

  /** Moment tensors by name, for checkpoints (`m.<group>.<index>`, `v.<group>.<index>`). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [prefix, lists] of [
      ['m', this.expAvg],
      ['v', this.expAvgSq],
    ] as const) {
      lists.forEach((list, g) => {
        list.forEach((t, i) => {
          out.set(`${prefix}.${g}.${i}`, t);
        });
      });
    }
    return out;
  }

  loadStateDict(state: ReadonlyMap<string, Tensor>, step: number): void {
    for (const [name, t] of this.stateDict()) {
      const value = state.get(name);
      if (!value) throw new Error(`optimizer state lacks ${name}`);
      t.copy_(value);
    }
    this.step = step;
  }

  dispose(): void {
    for (const list of [...this.expAvg, ...this.expAvgSq]) for (const t of list) t.dispose();
  }
}

/** Scales gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  return native.clipGradNorm(
    params.map((p) => p.handle),
    maxNorm,
  );
}
