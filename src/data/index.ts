// Public API of the training-data area: corpus building, reading, format and the generated MIDI pieces.
export {
  type BuildCorpusOptions,
  type BuildProgressEvent,
  buildCorpus,
  corpusTotals,
} from './corpusBuilder.js';
export * from './corpusFormat.js';
export { describeCorpus, hoursTable } from './corpusInfo.js';
export { type BatchOptions, type CorpusBatch, CorpusReader, type SegmentLocation } from './corpusReader.js';
export { type AudioDecoder, defaultDecoder } from './decode.js';
export { formatHours } from './indexCommon.js';
export { findLicenses, licenseNames } from './licenses.js';
export { composePiece, writeMidiPieces } from './midiComposer.js';
export { encodeMidiFile } from './midiFile.js';
export { assignSplit, defaultSplit, parseSplit } from './split.js';
