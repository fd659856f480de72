// Markdown tables of `v2meow eval default` and `v2meow eval text` (laid out like V2Meow's Tables 1 and 2):
// one row per system, the clips and settings below, every figure to three decimals ('-' where a column does
// not apply).
import type { DefaultEvalResult } from './defaultEval.js';
import type { TextControlResult } from './textControl.js';

const figure = (value: number | null, digits = 3) => (value === null ? '-' : value.toFixed(digits));

/** Column headers of the main table (the JSON field of each in docs/evaluation-default.md). */
export const defaultEvalColumns = [
  'System',
  'FAD ↓',
  'KL ↓',
  'Style cos ↑',
  'Beat cov. ↑',
  'Beat hit ↑',
  'Beat F1 ↑',
  'Music score ↑',
  'Top = Music ↑',
  'RTF ↓',
] as const;

export function defaultEvalMarkdown(result: DefaultEvalResult): string {
  const s = result.settings;
  const lines = [
    `# Default model evaluation: ${s.model}`,
    '',
    `${result.clips.length} clips of ${s.clipSeconds} s from ${new Set(result.clips.map((c) => c.film)).size} held-out films, ` +
      `${s.seeds} samples per clip and generated row (seed ${s.seed}).`,
    '',
    `| ${defaultEvalColumns.join(' | ')} |`,
    `| ${defaultEvalColumns.map(() => '---').join(' | ')} |`,
  ];
  for (const row of result.rows)
    lines.push(
      `| ${[
        row.label,
        figure(row.fad),
        figure(row.kl),
        figure(row.styleCos),
        figure(row.beatCoverage),
        figure(row.beatHit),
        figure(row.beatF1),
        figure(row.musicScore),
        figure(row.musicTopShare),
        figure(row.rtf, 2),
      ].join(' | ')} |`,
    );
  lines.push(
    '',
    `FAD: Fréchet distance of ${s.embedding} window embeddings, each row's outputs against the reference clips. ` +
      "KL: KL(reference ‖ output) of YAMNet's 521-class clip distributions. Style cos: cosine of " +
      `${s.styleEncoder} style vectors (output vs reference). Beats: the output's music beats against the clip's ` +
      `visual beats (±${s.toleranceSec * 1000} ms, one-to-one). Music score: YAMNet's clip-mean 'Music' score; ` +
      'Top = Music: share of outputs whose top class is Music. RTF: generation wall time / seconds of music.',
    '',
    `Text of the video + text row: "${s.text}". Noise floor frequencies: ${s.noiseFrequencies}.`,
    '',
    '| Clip | Film | Start (s) | Visual beats |',
    '| --- | --- | --- | --- |',
    ...result.clips.map(
      (c) => `| ${c.name} | ${c.film.replace(/^.*[\\/]/, '')} | ${c.startSec} | ${c.visualBeatsSec.length} |`,
    ),
    '',
    `${result.generatedSec} s of music generated; ${result.elapsedSec.toFixed(1)} s in all.`,
  );
  return `${lines.join('\n')}\n`;
}

export function textControlMarkdown(result: TextControlResult): string {
  const s = result.settings;
  const lines = [
    `# Text control: ${s.model}`,
    '',
    `${result.prompts.length} prompts x ${result.clips.length} clip(s) (${result.clips.map((c) => c.name).join(', ')}) ` +
      `x ${s.seeds} samples (seed ${s.seed}). Cosines of the outputs' ${s.styleEncoder} style vectors to each ` +
      `prompt's text style vector (${s.textStyle}).`,
    '',
    '| Prompt | Text tags | Cos to own ↑ | Mean cos to others | Other outputs to this text | Own rank | Own > others | Own > other outputs |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.prompts.map(
      (p) =>
        `| ${p.prompt} | ${p.tags.slice(0, 3).join(', ')} | ${figure(p.ownCos)} | ${figure(p.othersCos)} | ` +
        `${figure(p.otherOutputsCos)} | ` +
        `${p.rank}/${result.prompts.length} | ${p.pass ? 'yes' : 'no'} | ${p.passAgainstOutputs ? 'yes' : 'no'} |`,
    ),
    '',
    `${result.passed} of ${result.prompts.length} prompts closer to their own text than to the others on average ` +
      `(the check: at least ${Math.ceil((7 / 8) * result.prompts.length)}); ${result.passedAgainstOutputs} of ` +
      `${result.prompts.length} closer to their own outputs than to the music made for the other prompts. ` +
      `${result.elapsedSec.toFixed(1)} s in all.`,
  ];
  return `${lines.join('\n')}\n`;
}
