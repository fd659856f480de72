// Public API of the media module: probing, decoding audio and frames, WAV I/O, muxing and audio outputs,
// all over Debian's ffmpeg/ffprobe (FFMPEG_PATH / FFPROBE_PATH override). Outputs go through temp files.
export { writeAtomically, writeFileAtomically, temporaryPathFor } from './atomicFile.js';
export { decodeAudio, type DecodeAudioOptions } from './audio.js';
export { ffmpegPath, ffprobePath } from './ffmpeg.js';
export {
  decodeFrames,
  decodeFrameStreams,
  type DecodeFramesOptions,
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
