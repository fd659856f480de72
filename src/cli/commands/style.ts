// `v2meow style "TEXT" [--json] [--top N]`: the text side of the style space (textStyle.ts). Prints the
// 100-d style vector as tags ranked by lift over the corpus mean, what was understood, and the unknown words.
import { parseArgs } from 'node:util';
import { type TextStyle, TextStyleEncoder } from '../../encoders/textStyle.js';
import { V2meowError } from '../../errors.js';
import { type Command, UsageError } from '../command.js';
import { numberOption } from '../options.js';

const usage = `usage: v2meow style "TEXT" [--json] [--top N]

Maps a free-text music description into the style space that stage 1 is conditioned on (the MusiCNN
MTT + MSD tag vector, 100-d) and prints the vector's tags, ranked by how much they stand out against the
corpus mean (lift), with the words it understood and those it did not. Text in which nothing is understood
is an error (exit 2) that names the unknown words. See docs/style.md.

options:
  --json    print {text, encoder, dim, labels, vector, tags, matched, unknownWords} as JSON
  --top N   tags to print (default 10; --json prints all)`;

function formatText(text: string, style: TextStyle, top: number): string {
  const lines = [`"${text}"`];
  for (const line of style.matched) lines.push(`  understood: ${line}`);
  if (style.unknownWords.length) lines.push(`  unknown words: ${style.unknownWords.join(', ')}`);
  lines.push('  rank  tag                      prob   lift');
  style.tags.slice(0, top).forEach((tag, i) => {
    lines.push(
      `  ${String(i + 1).padStart(4)}  ${tag.label.padEnd(22)} ${tag.score.toFixed(3)}  x${tag.lift.toFixed(2)}`,
    );
  });
  return lines.join('\n');
}

export const styleCommand: Command = {
  name: 'style',
  summary: 'map a text description into the style space (ranked tags)',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, top: { type: 'string' } },
    });
    if (positionals.length === 0) throw new UsageError('expected the style TEXT');
    const text = positionals.join(' ');
    if (text.trim() === '') throw new UsageError('the style TEXT is empty');
    const top = numberOption(values.top, '--top', 10, { min: 1, max: 100, integer: true });
    let style: TextStyle;
    let encoder: TextStyleEncoder;
    try {
      encoder = TextStyleEncoder.load();
      style = encoder.encode(text);
    } catch (error) {
      if (error instanceof V2meowError) {
        process.stderr.write(`v2meow style: ${error.message}\n`);
        return error.code === 'BAD_ARGUMENT' ? 2 : 1;
      }
      throw error;
    }
    const output = values.json
      ? JSON.stringify({
          text,
          encoder: encoder.id,
          dim: encoder.dim,
          labels: encoder.labels,
          vector: Array.from(style.vector, (v) => Number(v.toPrecision(6))),
          tags: style.tags.map((t) => ({
            label: t.label,
            score: Number(t.score.toPrecision(6)),
            lift: Number(t.lift.toPrecision(6)),
          })),
          matched: style.matched,
          unknownWords: style.unknownWords,
        })
      : formatText(text, style, top);
    process.stdout.write(`${output}\n`);
    return 0;
  },
};
