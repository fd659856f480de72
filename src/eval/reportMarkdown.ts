// The evaluation report as markdown: a table laid out like V2Meow's Table 1 (one row per system, the
// generated set between the two baselines), beat alignment per segment length, the per-genre breakdown, the
// per-clip numbers and the settings that produced them.
import type { BeatScores } from './beatProtocol.js';
import type { EvaluationResult } from './evaluate.js';
import type { MetricSet } from './setMetrics.js';

const format = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

const beats = (scores: BeatScores | null | undefined) =>
  scores ? `${format(scores.beatCoverage)} / ${format(scores.beatHit)} / ${format(scores.beatF1)}` : 'n/a';

function tableOne(result: EvaluationResult): string[] {
  const withVideo = result.settings.videoFolder !== null;
  const withStyleFad = result.fadStyle !== null;
  const header = ['System', 'FAD ↓', 'KL ↓', 'KL music ↓', 'Style cos ↑', 'BCS ↑', 'BHS ↑', 'F1 ↑'];
  if (withStyleFad) header.push('FAD MusiCNN ↓');
  if (withVideo) header.push('Video BCS / BHS / F1 ↑');
  const row = (name: string, m: MetricSet | null) => {
    if (!m) return [name, ...header.slice(1).map(() => 'n/a')];
    const cells = [
      name,
      format(m.fad),
      format(m.kl),
      format(m.klMusic),
      format(m.styleCos),
      format(m.beatCoverage),
      format(m.beatHit),
      format(m.beatF1),
    ];
    if (withStyleFad) cells.push(format(m.fadStyle));
    if (withVideo) cells.push(beats(m.videoBeats));
    return cells;
  };
  const rows = [
    row("Random shuffle (another clip's reference)", result.baselines.shuffle),
    row('**Generated**', result),
    row('Reference (vs itself)', result.baselines.reference),
  ];
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
}

function segmentTable(result: EvaluationResult): string[] {
  const lengths = result.settings.segmentLengthsSec.map(String);
  const lines = [
    `| System | ${lengths.map((l) => `${l} s BCS / BHS / F1`).join(' | ')} |`,
    `| --- | ${lengths.map(() => '---').join(' | ')} |`,
  ];
  const sets: [string, MetricSet | null][] = [
    ['Random shuffle', result.baselines.shuffle],
    ['Generated', result],
    ['Reference', result.baselines.reference],
  ];
  for (const [name, m] of sets)
    lines.push(`| ${name} | ${lengths.map((l) => beats(m?.beatSegments.byLength[l])).join(' | ')} |`);
  return lines;
}

/** The report as markdown. */
export function reportMarkdown(result: EvaluationResult): string {
  const s = result.settings;
  const lines = [
    '# v2meow evaluation report',
    '',
    `Generated: \`${s.generatedFolder}\` · reference: \`${s.referenceFolder}\`` +
      (s.videoFolder ? ` · videos: \`${s.videoFolder}\`` : '') +
      ` · ${result.numClips} matched clips` +
      (s.maxDurationSec ? ` (first ${s.maxDurationSec} s of each)` : ''),
    '',
    '## Summary (laid out like V2Meow Table 1)',
    '',
    ...tableOne(result),
    '',
    `FAD on ${s.embedding} window embeddings; KL(reference ‖ generated) of YAMNet AudioSet class distributions, ` +
      `all 521 classes, and the 145 Music-subtree classes plus one bin for all others; style cosine in the ` +
      `\`${s.styleEncoder}\` space` +
      (result.fadStyle !== null ? ' (FAD MusiCNN: on its 400-d penultimate features per 3 s patch)' : '') +
      '; ' +
      `beat alignment BCS / BHS / F1 (Yu et al. 2023, ±${s.toleranceSec * 1000} ms) averaged over ` +
      `${s.segmentLengthsSec.join(' / ')} s segments, ${s.segmentsPerClip} per clip and length.` +
      (s.videoFolder ? " Video columns: music beats vs the video's visual beats over whole clips." : ''),
    '',
    '## Beat alignment per segment length',
    '',
    ...segmentTable(result),
    '',
    "## By genre (YAMNet's top AudioSet genre of the reference)",
    '',
    '| Genre | Clips | FAD ↓ | KL ↓ | KL music ↓ | Style cos ↑ | Beat F1 ↑ |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...result.genres.map(
      (g) =>
        `| ${g.genre} | ${g.numClips} | ${format(g.fad)} | ${format(g.kl)} | ${format(g.klMusic)} | ${format(g.styleCos)} | ${format(g.beatF1)} |`,
    ),
    '',
    '## Clips',
    '',
    '| Clip | Genre | Seconds | KL ↓ | KL music ↓ | Style cos ↑ | Beat F1 ↑ |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...result.clips.map(
      (c) =>
        `| ${c.name} | ${c.genre} | ${format(c.durationSec, 1)} | ${format(c.kl)} | ${format(c.klMusic)} | ${format(c.styleCos)} | ${format(c.beatF1)} |`,
    ),
    '',
  ];
  lines.push(
    'FAD compares whole sets: the shuffled set is the reference set in another order, so its FAD is 0 by ' +
      "construction; its other metrics compare each clip with another clip's reference.",
    '',
  );
  if (result.unusedReferences.length > 0)
    lines.push(
      `Reference files without a generated counterpart (left out): ${result.unusedReferences.join(', ')}`,
      '',
    );
  lines.push(`Shuffle seed ${s.seed}; computed in ${result.elapsedSec.toFixed(1)} s.`, '');
  return lines.join('\n');
}
