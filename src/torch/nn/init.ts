// Parameter initialisers (as PyTorch's defaults), each returning a fresh float32 tensor.
import { rand, randn } from '../create.js';
import { tidy } from '../scope.js';
import type { Shape, Tensor } from '../tensor.js';

/** U(-bound, bound). */
export function uniform(shape: Shape, bound: number): Tensor {
  return tidy(() =>
    rand(shape)
      .mul(2 * bound)
      .sub(bound),
  );
}

/** N(0, std^2). */
export function normal(shape: Shape, std: number): Tensor {
  return tidy(() => randn(shape).mul(std));
}

/** PyTorch's default for Linear/Conv weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export function fanInUniform(shape: Shape, fanIn: number): Tensor {
  return uniform(shape, 1 / Math.sqrt(fanIn));
}
