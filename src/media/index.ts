// Public API of the media module: probing, decoding audio and frames, WAV I/O, muxing and audio outputs,
// all over Debian's ffmpeg/ffprobe (FFMPEG_PATH / FFPROBE_PATH override). Outputs go through temp files.
export { temporaryPathFor, writeAtomically, writeFileAtomically } from './atomicFile.js';
export { type DecodeAudioOptions, decodeAudio } from './audio.js';
export { ffmpegFileArgument, ffmpegPath, ffprobePath } from './ffmpeg.js';
export {
  type DecodeFramesOptions,
  decodeFrameStreams,
  decodeFrames,
  type FrameStreamSpec,
  type PixelFormat,
  type RgbFrame,
  type VideoFrame,
} from './frames.js';
export {
  type AudioSource,
  type MuxOptions,
  type MuxResult,
  muxAudioIntoVideo,
  type WriteAudioOptions,
  writeAudio,
} from './mux.js';
export {
  assertDecodableAudio,
  assertDecodableVideo,
  defaultMaxPixels,
  type MediaInfo,
  probe,
  type StreamInfo,
} from './probe.js';
export {
  type DecodedWav,
  encodeWav,
  parseWav,
  readWav,
  type WavFormat,
  type WavOptions,
  writeWav,
} from './wav.js';
