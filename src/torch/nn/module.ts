// Module: named parameters, buffers and child modules, train/eval mode, and state dicts (PyTorch's nn.Module).
import { V2meowError } from '../../errors.js';
import { noGrad } from '../autograd.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';

export abstract class Module {
  training = true;
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  /** Registers a trainable tensor (kept alive, requires grad). Returns it. */
  protected param(name: string, value: Tensor): Tensor {
    value.keep().requiresGrad_(true);
    this.#parameters.set(name, value);
    return value;
  }

  /** Registers a non-trainable tensor saved in the state dict (e.g. EMA codebooks). Returns it. */
  protected buffer(name: string, value: Tensor): Tensor {
    value.keep();
    this.#buffers.get(name)?.dispose();
    this.#buffers.set(name, value);
    return value;
  }

  /** Registers a child module. Returns it. */
  protected child<M extends Module>(name: string, module: M): M {
    this.#children.set(name, module);
    return module;
  }

  /** Parameters with dotted names, children's included (`layers.0.attn.query.weight`). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.#parameters) out.push([prefix + n, p]);
    for (const [n, c] of this.#children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this.#buffers) out.push([prefix + n, b]);
    for (const [n, c] of this.#children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel, 0);
  }

  /**
   * Copies `state` into this module's tensors in place. Every name and shape is checked before anything is
   * copied, so a mismatch leaves the module untouched. strict: state must hold exactly this module's names.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor>, strict = true, source = 'state dict'): void {
    const own = this.stateDict();
    const problems: string[] = [];
    for (const [name, target] of own) {
      const value = state.get(name);
      if (!value) {
        if (strict) problems.push(`missing ${name}`);
      } else if (value.shape.join(',') !== target.shape.join(',')) {
        problems.push(`${name}: shape [${value.shape}] in file, [${target.shape}] in model`);
      }
    }
    if (strict) for (const name of state.keys()) if (!own.has(name)) problems.push(`unexpected ${name}`);
    if (problems.length) {
      throw new V2meowError(
        'SHAPE_MISMATCH',
        `cannot load weights: ${problems.slice(0, 8).join('; ')}`,
        source,
      );
    }
    noGrad(() =>
      tidy(() => {
        for (const [name, target] of own) {
          const value = state.get(name);
          if (value) target.copy_(value.dtype === target.dtype ? value : value.cast(target.dtype));
        }
      }),
    );
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.#children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const p of this.#parameters.values()) p.dispose();
    for (const b of this.#buffers.values()) b.dispose();
    for (const c of this.#children.values()) c.dispose();
  }
}

/** A list of modules of one kind, registered as children `0`, `1`, ... */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items.map((m, k) => this.child(String(k), m));
  }
}
