// `v2meow features VIDEO [--streams a,b] [--start S] [--seconds S] [--json] [--plot curves.png]`: what the
// visual extractor and the rhythm curves give for a video (src/features): per stream its rate, frames, width
// and compute time; the music and video curves summarised, and plotted over time on request.
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { V2meowError } from '../../errors.js';
import { type MusicCurves, musicCurvesOfFile, videoCurves } from '../../features/curves.js';
import { type VisualStreamName, visualStreamNames } from '../../features/streams.js';
import { type VisualExtraction, VisualFeatureExtractor } from '../../features/visual.js';
import { probe } from '../../media/probe.js';
import { plotCurves } from '../../plot/curvesPlot.js';
import { toV2meowError } from '../../util/fileErrors.js';
import { checkOutputFile } from '../../util/outputPath.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage: v2meow features VIDEO [--streams LIST] [--start S] [--seconds S] [--json] [--plot OUT.png]

Decodes the video once into its visual streams (on one timeline: frame k of a stream at rate r stands for
start + k / r seconds) and computes the rhythm curves (25 Hz: onset, beat phase, downbeat, energy, boundary)
of its soundtrack and of its picture; prints each stream's rate, frame count, values per frame and compute
time. See docs/features.md.

options:
  --streams LIST   comma-separated subset of ${visualStreamNames.join(',')} (default: all)
  --start S        start of the window in seconds (default 0)
  --seconds S      length of the window in seconds (default: to the end)
  --json           print the summary as JSON (streams without their data; curve summaries)
  --plot OUT.png   draw the music and video curves over time`;

interface Summary {
  readonly file: string;
  readonly startSec: number;
  readonly durationSec: number;
  readonly wallSec: number;
  readonly streams: Record<string, object>;
  readonly curves: Record<string, object>;
}

function summarise(
  extraction: VisualExtraction,
  music: MusicCurves | undefined,
  videoFrames: number,
): Summary {
  const streams: Record<string, object> = {};
  for (const [name, s] of Object.entries(extraction.streams)) {
    streams[name] = {
      rateHz: s.rateHz,
      numFrames: s.numFrames,
      dim: s.dim,
      kind: s.kind,
      ...(s.vocabularySize ? { vocabularySize: s.vocabularySize } : {}),
      computeSec: Number((extraction.computeSec[name as VisualStreamName] ?? 0).toFixed(3)),
    };
  }
  const { analysis } = extraction;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const curves: Record<string, object> = {
    video: {
      rateHz: 25,
      numFrames: videoFrames,
      tempoBpm: round(analysis.tempoBpm),
      beats: analysis.beatsSec.length,
      cutsSec: analysis.cutsSec.map(round),
    },
  };
  if (music)
    curves.music = {
      rateHz: 25,
      numFrames: music.curves.numFrames,
      tempoBpm: round(music.rhythm.tempoBpm),
      beats: music.rhythm.beatsSec.length,
      downbeats: music.rhythm.downbeatsSec.length,
      boundariesSec: music.boundariesSec.map(round),
    };
  return {
    file: extraction.source,
    startSec: extraction.startSec,
    durationSec: round(extraction.durationSec),
    wallSec: round(extraction.wallSec),
    streams,
    curves,
  };
}

function formatText(summary: Summary): string {
  const lines = [
    `${summary.file}: ${summary.durationSec.toFixed(2)} s from ${summary.startSec} s, extracted in ${summary.wallSec.toFixed(2)} s (one decode)`,
    'stream     rate    frames   dim  kind     compute',
  ];
  for (const [name, s] of Object.entries(summary.streams) as [string, Record<string, number | string>][])
    lines.push(
      `${name.padEnd(10)} ${`${s.rateHz} Hz`.padEnd(7)} ${String(s.numFrames).padStart(6)} ${String(s.dim).padStart(5)}  ${String(s.kind).padEnd(7)} ${Number(s.computeSec).toFixed(2)} s` +
        (s.vocabularySize ? ` (vocabulary ${s.vocabularySize})` : ''),
    );
  const music = summary.curves.music as Record<string, number | number[]> | undefined;
  const video = summary.curves.video as Record<string, number | number[]>;
  if (music)
    lines.push(
      `curves (music) 25 Hz x ${music.numFrames}: tempo ${Number(music.tempoBpm).toFixed(1)} bpm, ${music.beats} beats, ${music.downbeats} downbeats, boundaries at ${(music.boundariesSec as number[]).join(' ') || 'none'}`,
    );
  else lines.push('curves (music): no audio stream');
  lines.push(
    `curves (video) 25 Hz x ${video.numFrames}: visual tempo ${Number(video.tempoBpm).toFixed(1)} bpm, ${video.beats} visual beats, cuts at ${(video.cutsSec as number[]).join(' ') || 'none'}`,
  );
  return lines.join('\n');
}

export const featuresCommand: Command = {
  name: 'features',
  summary: 'visual streams (semantic, motion, pose, tokens) and music/video rhythm curves of a video',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        streams: { type: 'string' },
        start: { type: 'string' },
        seconds: { type: 'string' },
        json: { type: 'boolean' },
        plot: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one VIDEO');
    const streams = (values.streams ?? visualStreamNames.join(',')).split(',').map((s) => s.trim());
    for (const name of streams)
      if (!(visualStreamNames as readonly string[]).includes(name))
        throw new UsageError(
          `unknown stream '${name}' in --streams (known: ${visualStreamNames.join(', ')})`,
        );
    const startSec = numberOption(values.start, '--start', 0, { min: 0 });
    const seconds = numberOption(values.seconds, '--seconds', undefined, { min: 0, exclusiveMin: true });
    if (values.plot !== undefined && extname(values.plot).toLowerCase() !== '.png')
      throw new UsageError(`--plot must name a .png file, got ${values.plot}`);
    if (values.plot !== undefined) {
      const folder = dirname(resolve(values.plot));
      if (!existsSync(folder) || !statSync(folder).isDirectory())
        throw new UsageError(`--plot ${values.plot}: folder ${folder} does not exist`);
      // the shared check: no pseudo file system, not a folder, not the input video
      checkOutputFile(values.plot, { extensions: ['.png'], inputs: [positionals[0]] });
    }
    const path = positionals[0]!;
    let extractor: VisualFeatureExtractor | undefined;
    try {
      const info = await probe(path);
      extractor = await VisualFeatureExtractor.create({ streams: streams as VisualStreamName[] });
      const extraction = await extractor.extract(path, {
        startSec,
        seconds,
        onProgress: (s) => process.stderr.write(`${s.toFixed(0)} s analysed\n`),
      });
      const video = videoCurves(extraction.analysis);
      const music = info.hasAudio
        ? await musicCurvesOfFile(path, { startSec, seconds: extraction.durationSec })
        : undefined;
      const summary = summarise(extraction, music, video.numFrames);
      process.stdout.write(`${values.json ? JSON.stringify(summary, null, 2) : formatText(summary)}\n`);
      if (values.plot) {
        const series = [
          ...(music ? [{ label: 'music', curves: music.curves }] : []),
          { label: 'video', curves: video },
        ];
        await plotCurves(series, values.plot, { title: `rhythm curves: ${path}`, startSec });
        process.stderr.write(`wrote ${values.plot}\n`);
      }
      return 0;
    } catch (caught) {
      // errors of the analysis that name no file are about the video
      const error = toV2meowError(caught, path);
      if (error instanceof V2meowError) {
        process.stderr.write(`v2meow features: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      extractor?.dispose();
    }
  },
};
