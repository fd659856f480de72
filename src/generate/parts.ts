// The narrow interfaces the pipeline reads its conditions through (the style guide's "narrow interfaces between
// stages"): a ConditionSource turns a video window into the feature streams stage 1 reads (plus the visual
// beats and cuts the CLI reports and plots), a TextStyleSource turns text into a style vector (MuLan's role in
// V2Meow), an AudioStyleSource embeds audio into the same style space (for the style cosine of --json). Each
// has a debug implementation (debugParts.ts) so the pipeline runs before the real extractors are trained.
import type { FeatureStream } from '../features/streams.js';

/** What a video window gives stage 1, and what the CLI reports about the video. */
export interface VideoConditions {
  /** The video file. */
  readonly source: string;
  /** Length of the whole video in seconds. */
  readonly durationSec: number;
  /** Feature streams by name ('curves', 'semantic', ...), covering the asked window from its start. */
  readonly streams: Readonly<Record<string, FeatureStream>>;
  /** Visual beats of the window, in seconds from the window's start. */
  readonly beatsSec: readonly number[];
  /** Scene cuts of the window, in seconds from the window's start. */
  readonly cutsSec: readonly number[];
  /** Visual tempo in beats per minute (0 when none was found). */
  readonly tempoBpm: number;
}

export interface ConditionWindow {
  /** First second of the video to read (default 0). */
  readonly startSec?: number;
  /** Seconds to read (default: to the end). */
  readonly seconds?: number;
  /** Seconds of video analysed so far. */
  readonly onProgress?: (seconds: number) => void;
}

/** Video -> stage-1 feature streams. */
export interface ConditionSource {
  /** Names the extractor (recorded in results). */
  readonly id: string;
  /** Streams of the window; throws V2meowError naming the file for unreadable or picture-less input. */
  extract(videoPath: string, window?: ConditionWindow): Promise<VideoConditions>;
  dispose(): void;
}

/** Text encoded into the style space. */
export interface TextStyle {
  /** [styleDim] style vector. */
  readonly vector: Float32Array;
  /** The style tags that stand out most, first. */
  readonly tags: readonly string[];
  /** Phrases of the text that carried a style. */
  readonly matched?: readonly string[];
  /** Words that carried no style. */
  readonly unknownWords: readonly string[];
}

/** Text -> style vector; throws V2meowError BAD_ARGUMENT when no word carries a style. */
export interface TextStyleSource {
  readonly id: string;
  encode(text: string): TextStyle;
}

/** 16 kHz audio -> style vector (the audio side of the style space). */
export interface AudioStyleSource {
  readonly id: string;
  embed(samples16k: Float32Array): Float32Array;
  dispose(): void;
}
