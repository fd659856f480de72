// Public API of the rhythm module: music onsets/tempo/beats/downbeats, visual motion/tempo/beats/cuts, and
// beat-alignment metrics.
export { analyzeRhythm, type RhythmReport, type RhythmReportOptions } from './analyzeFile.js';
export {
  type BeatAlignment,
  beatAlignmentScores,
  beatF1,
  countAlignedBeats,
  defaultBeatToleranceSec,
} from './beatMetrics.js';
export { type BeatTrackOptions, tempoFromBeats, trackBeats } from './beatTracker.js';
export { type DownbeatEstimate, estimateDownbeats } from './downbeats.js';
export { type MotionFeatures, motionFeatures } from './motionFeatures.js';
export { analyzeMusicFile, analyzeMusicRhythm, type MusicRhythm } from './musicRhythm.js';
export { type Envelope, onsetStrength } from './onset.js';
export { type FlowField, type GrayImage, opticalFlow } from './opticalFlow.js';
export { detectSceneCuts } from './sceneCuts.js';
export { estimateTempo, type TempoEstimate, type TempoOptions } from './tempo.js';
export { analyzeVideo, type VideoAnalysis, type VideoAnalysisOptions } from './videoAnalysis.js';
export {
  analyzeVisualRhythm,
  MotionAnalyzer,
  type VisualRhythm,
  visualOnsetEnvelope,
} from './visualRhythm.js';
