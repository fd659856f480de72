// `v2meow inspect FILE [--json]`: what the frozen encoders hear and see (YAMNet classes per window and per
// clip; ImageNet labels and person presence per second of video). Calls inspectMedia().
import { parseArgs } from 'node:util';
import { type InspectReport, inspectMedia } from '../../encoders/inspect.js';
import { withFile } from '../../util/fileErrors.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage: v2meow inspect FILE [--json] [--top N] [--fps F]

Runs the pretrained encoders on an audio or video file.
  audio: YAMNet AudioSet classes per 0.975 s window (hop 0.48 s) and for the whole clip
  video: MobileNetV2 ImageNet labels and MoveNet person presence, F frames per second (default 1)
  audio: MusiCNN MTT + MSD tags per 2.992 s patch and for the whole clip

options:
  --json     print the full report as JSON on stdout
  --top N    classes per window / second (default 3)
  --fps F    video frames analysed per second (default 1)`;

const labels = (list: readonly { label: string; score: number }[]): string =>
  list.map((c) => `${c.label} ${c.score.toFixed(2)}`).join(', ');

function formatText(report: InspectReport): string {
  const lines = [`${report.file}: ${report.durationSec.toFixed(2)} s`];
  if (report.audio) {
    lines.push(`clip (YAMNet): ${labels(report.clip.yamnet.slice(0, 5))}`);
    const tags = report.clip.musicnn
      .slice(0, 5)
      .map((t) => ({ label: `${t.label} [${t.model}]`, score: t.score }));
    lines.push(`clip (MusiCNN): ${labels(tags)}`);
    for (const w of report.audio.windows)
      lines.push(`  ${w.startSec.toFixed(2).padStart(7)} s  ${labels(w.yamnet)}`);
  }
  if (report.video) {
    lines.push(`clip (ImageNet): ${labels(report.clip.imagenet.slice(0, 5))}`);
    lines.push(`person in ${((report.clip.personFraction ?? 0) * 100).toFixed(0)}% of frames`);
    for (const s of report.video.seconds)
      lines.push(
        `  ${s.timeSec.toFixed(2).padStart(7)} s  ${s.personPresent ? 'person ' : 'nobody '} ${labels(s.imagenet)}`,
      );
  }
  return lines.join('\n');
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'what the pretrained encoders hear and see in a file (YAMNet, MusiCNN, MobileNetV2, MoveNet)',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, top: { type: 'string' }, fps: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one FILE');
    const top = numberOption(values.top, '--top', 3, { min: 1, max: 1000, integer: true });
    const fps = numberOption(values.fps, '--fps', 1, { min: 0, exclusiveMin: true, max: 30 });
    const input = positionals[0]!;
    const report = await withFile(input, () =>
      inspectMedia(input, {
        topPerWindow: top,
        framesPerSecond: fps,
        onProgress: (message) => process.stderr.write(`${message}\n`),
      }),
    );
    process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatText(report)}\n`);
    return 0;
  },
};
