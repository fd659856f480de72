// The typed tensor engine over libtorch: tensors, creation, nn functions, autograd and lifetimes.
export * from './autograd.js';
export * from './create.js';
export type { AnyTypedArray, DType } from './dtype.js';
export { isFloating } from './dtype.js';
export * as F from './functional.js';
export { getNumThreads, setNumThreads } from './native.js';
export { keep, scopeDepth, tidy } from './scope.js';
export { type Device, type Reduction, type Shape, Tensor, liveTensorCount } from './tensor.js';
export * as nn from './nn/index.js';
export { AdamW, type AdamWOptions, type ParamGroup, clipGradNorm } from './optim/adamw.js';
export { type Schedule, warmupConstant, warmupCosine } from './optim/schedule.js';
export { loadSafetensors, readSafetensorsHeader, saveSafetensors } from './io/safetensors.js';
export { type ModelFile, loadModelWeights, readModelInfo, saveModel } from './io/checkpoint.js';
