// Public API of the evaluation toolkit: FAD, KL over AudioSet classes, style cosine, beat alignment on the
// AIST++ segment protocol, baselines and reports (`v2meow eval`).
export { genreClassIndices, musicClassIndices, predictGenre } from './audiosetClasses.js';
export {
  type BeatPair,
  type BeatProtocolOptions,
  type BeatScores,
  defaultSegmentLengthsSec,
  defaultSegmentsPerClip,
  type SegmentBeatScores,
  segmentBeatScores,
  segmentStarts,
  wholeClipBeatScores,
} from './beatProtocol.js';
export { contentHash, defaultEvalCacheDir, EvalCache } from './cache.js';
export { ClipAnalyzer, type ClipFeatures, videoBeats } from './clipAnalysis.js';
export {
  type DefaultEvalOptions,
  type DefaultEvalResult,
  defaultEvalRows,
  evaluateDefaultModel,
  type OutputFigures,
  type RowFigures,
} from './defaultEval.js';
export { defaultEvalMarkdown, textControlMarkdown } from './defaultReport.js';
export { type EvalClip, evaluationClips, heldOutFilms } from './evalClips.js';
export {
  type ClipReport,
  type EvaluationOptions,
  type EvaluationResult,
  evaluateFolders,
  type GenreReport,
} from './evaluate.js';
export { frechetDistance, type GaussianStatistics, gaussianStatistics } from './frechet.js';
export { classDistribution, clipKl, klDivergence } from './kl.js';
export { type ClipPair, listMediaFiles, matchClips } from './pairing.js';
export { derangement } from './random.js';
export { reportMarkdown } from './reportMarkdown.js';
export { type MetricSet, type PairMetrics, setMetrics, setStatistics } from './setMetrics.js';
export { cosineSimilarity, type StyleEncoder, type StyleSource, YamnetMusicStyle } from './style.js';
export { defaultTextPrompts, evaluateTextControl, type TextControlResult } from './textControl.js';
