// The typed tensor engine over libtorch: tensors, creation, nn functions, autograd and lifetimes.
export * from './autograd.js';
export * from './create.js';
export type { AnyTypedArray, DType } from './dtype.js';
export { isFloating } from './dtype.js';
export * as F from './functional.js';
export { loadModelWeights, type ModelFile, readModelInfo, saveModel } from './io/checkpoint.js';
export { loadSafetensors, readSafetensorsHeader, saveSafetensors } from './io/safetensors.js';
export { allocatorStats, emptyCache, getNumThreads, setCacheLimit, setNumThreads } from './native.js';
export * as nn from './nn/index.js';
export { AdamW, type AdamWOptions, clipGradNorm, type ParamGroup } from './optim/adamw.js';
export { type Schedule, warmupConstant, warmupCosine } from './optim/schedule.js';
export { keep, scopeDepth, tidy } from './scope.js';
export { type Device, liveTensorCount, type Reduction, type Shape, Tensor } from './tensor.js';
