// `v2meow rhythm FILE [--json]`: music tempo and beats for audio or video; for video also visual tempo,
// visual beats, scene cuts and soundtrack/visual beat alignment. Calls analyzeRhythm().
import { parseArgs } from 'node:util';
import { analyzeRhythm, type RhythmReport } from '../../rhythm/analyzeFile.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage: v2meow rhythm FILE [--json] [--motion-fps F] [--tolerance S]

Music tempo (bpm), beats and downbeats of an audio or video file; for a video also the visual tempo,
visual beats (from dense optical flow) and scene cuts, and how the soundtrack's beats align with the
visual beats (Beat Coverage Score, Beat Hit Score, F1).

options:
  --json           print the report as JSON on stdout (fields: tempo, beats, downbeats, meter, visual, alignment)
  --motion-fps F   motion analysis rate for video in [4, 60], >= 8 recommended (default 8)
  --tolerance S    beat-alignment tolerance in seconds, (0, 1] (default 0.07)`;

const list = (values: readonly number[], limit = 16) =>
  values
    .slice(0, limit)
    .map((v) => v.toFixed(2))
    .join(' ') + (values.length > limit ? ` ... (${values.length})` : '');

function formatText(report: RhythmReport): string {
  const lines = [`${report.file}: ${report.durationSec.toFixed(2)} s`];
  if (report.tempo !== null) {
    lines.push(`tempo: ${report.tempo.toFixed(1)} bpm, meter ${report.meter}`);
    lines.push(`beats: ${list(report.beats)}`);
    lines.push(`downbeats: ${list(report.downbeats)}`);
  } else lines.push('no audio stream');
  if (report.visual) {
    lines.push(
      `visual tempo: ${report.visual.tempo.toFixed(1)} bpm (motion at ${report.visual.motionFps} fps)`,
    );
    lines.push(`visual beats: ${list(report.visual.beats)}`);
    lines.push(`cuts: ${report.visual.cuts.length ? list(report.visual.cuts) : 'none'}`);
  }
  if (report.alignment) {
    const a = report.alignment;
    lines.push(
      `music vs visual beats (+-${a.toleranceSec * 1000} ms): BCS ${a.beatCoverageScore.toFixed(3)}, BHS ${a.beatHitScore.toFixed(3)}, F1 ${a.f1.toFixed(3)}`,
    );
  }
  return lines.join('\n');
}

export const rhythmCommand: Command = {
  name: 'rhythm',
  summary: 'tempo and beats of music, and visual tempo, beats and cuts of a video',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, 'motion-fps': { type: 'string' }, tolerance: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one FILE');
    // Below 4 frames per second the motion curve cannot hold beats of up to 240 bpm.
    const motionFps = numberOption(values['motion-fps'], '--motion-fps', 8, { min: 4, max: 60 });
    const toleranceSec = numberOption(values.tolerance, '--tolerance', 0.07, {
      min: 0,
      exclusiveMin: true,
      max: 1,
    });
    const report = await analyzeRhythm(positionals[0]!, {
      motionFps,
      toleranceSec,
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write((values.json ? JSON.stringify(report, null, 2) : formatText(report)) + '\n');
    return 0;
  },
};
