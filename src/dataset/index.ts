// Public API of the V2Meow training set: build (folders of videos and music -> cached examples), describe,
// and read aligned windows for the three stages.
export {
  type BuildDatasetOptions,
  type BuildDatasetResult,
  buildDataset,
  type DatasetProgressEvent,
  defaultDatasetSplit,
} from './builder.js';
export type { AcousticTokens, ExampleFeaturizer, FeaturizerSpec } from './featurizer.js';
export * from './format.js';
export { datasetHoursTable, describeDataset } from './info.js';
export {
  type BatchStream,
  type PairBatch,
  PairDataset,
  type SilenceOptions,
  type WindowOptions,
  type WindowPosition,
  type WindowRow,
} from './reader.js';
export { TensorFile } from './tensorFile.js';
