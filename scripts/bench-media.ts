// `npm run bench:media`: all visual features of a video in one decode (1 fps 224x224 RGB semantic frames +
// 8 fps 160-pixel gray frames for optical flow, motion features, visual onsets, tempo, beats and cuts), plus
// audio decoding and music rhythm; then the VisualFeatureExtractor with all four streams (semantic, motion,
// pose, tokens) and the music and video rhythm curves (src/features); prints seconds of work per minute of video.
import { join } from 'node:path';
import { musicCurvesOfFile, videoCurves } from '../src/features/curves.js';
import { VisualFeatureExtractor } from '../src/features/visual.js';
import { decodeAudio } from '../src/media/audio.js';
import { analyzeMusicRhythm } from '../src/rhythm/musicRhythm.js';
import { analyzeVideo } from '../src/rhythm/videoAnalysis.js';
import { sharedDir } from '../test/helpers.js';

const path = process.argv[2] ?? join(sharedDir, 'media', 'video', 'big_buck_bunny_60s.mp4');

async function main(): Promise<void> {
  const videoStart = performance.now();
  let semanticBytes = 0;
  const video = await analyzeVideo(path, {
    motionFps: 8,
    semantic: {
      fps: 1,
      size: 224,
      onFrame: (frame) => {
        semanticBytes += frame.data.length;
      },
    },
  });
  const videoSec = (performance.now() - videoStart) / 1000;
  const minutes = video.durationSec / 60;

  const audioStart = performance.now();
  const samples = await decodeAudio(path, { sampleRateHz: 22050 });
  const music = analyzeMusicRhythm(samples, 22050);
  const audioSec = (performance.now() - audioStart) / 1000;

  const lines = [
    `file: ${path} (${video.durationSec.toFixed(1)} s)`,
    `visual features: ${video.semanticFrameCount} semantic frames at 1 fps (224x224 RGB, ${(semanticBytes / 1e6).toFixed(1)} MB), ` +
      `${video.motionFrameCount} motion frames at 8 fps; visual tempo ${video.tempoBpm.toFixed(1)} bpm, ` +
      `${video.beatsSec.length} visual beats, ${video.cutsSec.length} cuts`,
    `visual features: ${videoSec.toFixed(2)} s total, ${(videoSec / minutes).toFixed(2)} s per minute of video (goal < 5)`,
    `audio decode + music rhythm: ${audioSec.toFixed(2)} s total, ${(audioSec / minutes).toFixed(2)} s per minute ` +
      `(tempo ${music.tempoBpm.toFixed(1)} bpm, ${music.beatsSec.length} beats)`,
  ];
  const extractor = await VisualFeatureExtractor.create();
  const extraction = await extractor.extract(path);
  extractor.dispose();
  const curvesStart = performance.now();
  const video_ = videoCurves(extraction.analysis);
  const videoCurvesSec = (performance.now() - curvesStart) / 1000;
  const musicStart = performance.now();
  const musicCurves = await musicCurvesOfFile(path);
  const musicCurvesSec = (performance.now() - musicStart) / 1000;
  const perMinute = (sec: number) => `${(sec / minutes).toFixed(2)} s/min`;
  for (const [name, stream] of Object.entries(extraction.streams)) {
    const sec = extraction.computeSec[name as keyof typeof extraction.computeSec] ?? 0;
    lines.push(
      `stream ${name}: ${stream.numFrames} frames at ${stream.rateHz} Hz x ${stream.dim}, compute ${sec.toFixed(2)} s = ` +
        `${perMinute(sec)}, ${((1000 * sec) / Math.max(1, stream.numFrames)).toFixed(1)} ms per frame`,
    );
  }
  lines.push(
    `extractor, all four streams in one decode: ${extraction.wallSec.toFixed(2)} s wall = ${perMinute(extraction.wallSec)}`,
    `curves: video ${(1000 * videoCurvesSec).toFixed(0)} ms from the extractor's analysis (${video_.numFrames} frames), ` +
      `music ${musicCurvesSec.toFixed(2)} s with audio decoding = ${perMinute(musicCurvesSec)} (${musicCurves.curves.numFrames} frames)`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error) => {
  process.stderr.write(`bench-media: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
