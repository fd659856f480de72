// `v2meow plot FILE -o mel.png [--beats] [--title T]`: mel-spectrogram PNG of an audio or video file, with
// beat ticks on request. Calls plotAudioFile().
import { parseArgs } from 'node:util';
import { assertInputFile } from '../../media/ffmpeg.js';
import { plotAudioFile } from '../../plot/audioPlot.js';
import { checkOutputFile } from '../../util/outputPath.js';
import { type Command, UsageError } from '../command.js';

const usage = `usage: v2meow plot FILE -o OUT.png [--beats] [--title T]

Draws the log-mel spectrogram (22.05 kHz, 128 Slaney bands, hop 512) of an audio or video file as a PNG
with time and frequency axes.

options:
  -o, --output OUT.png   where to write the PNG (required)
  --beats                tick the tracked beats (cyan) and downbeats (white); the title shows the tempo
  --title T              figure title (default: the file name)`;

export const plotCommand: Command = {
  name: 'plot',
  summary: 'mel-spectrogram PNG of an audio or video file, optionally with beats',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        beats: { type: 'boolean' },
        title: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one FILE');
    if (!values.output) throw new UsageError('-o OUT.png is required');
    const input = positionals[0]!;
    const output = checkOutputFile(values.output, { extensions: ['.png'], inputs: [input] });
    assertInputFile(input);
    const result = await plotAudioFile(input, output, { beats: values.beats, title: values.title });
    const tempo = result.tempoBpm === undefined ? '' : ` (tempo ${result.tempoBpm.toFixed(1)} bpm)`;
    process.stderr.write(`wrote ${values.output}${tempo}\n`);
    return 0;
  },
};
