// The report as Markdown, in the paper's table style: one table per question with the share of each answer
// and the first system's win rate with its exact 95% interval, then per-system totals and breakdowns.
import { questions } from './questions.js';
import type { Breakdown, Comparison, StudyReport } from './report.js';

const percent = (value: number) => (Number.isNaN(value) ? 'n/a' : `${(100 * value).toFixed(1)}%`);
const interval = (value: number, low: number, high: number) =>
  Number.isNaN(value) ? 'n/a' : `${percent(value)} [${percent(low)}, ${percent(high)}]`;

function comparisonTable(
  rows: readonly Comparison[],
  leading: string[] = [],
  leadingHeader: string[] = [],
): string[] {
  const header = [
    ...leadingHeader,
    'system X',
    'system Y',
    'n',
    'strong X',
    'weak X',
    'none',
    'weak Y',
    'strong Y',
    'X win rate [95% CI]',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows)
    lines.push(
      `| ${[
        ...leading,
        row.first,
        row.second,
        String(row.ratings),
        ...row.shares.map(percent),
        interval(row.firstWinRate, row.firstWinInterval.low, row.firstWinInterval.high),
      ].join(' | ')} |`,
    );
  return lines;
}

function breakdownSection(title: string, groups: readonly Breakdown[]): string[] {
  if (groups.length === 0) return [];
  const lines = [`## ${title}`, ''];
  for (const question of questions) {
    lines.push(`### ${question.label}`, '');
    const header: string[] = [];
    const body: string[] = [];
    for (const group of groups) {
      const table = comparisonTable(
        group.comparisons.filter((row) => row.question === question.id),
        [group.name],
        [title.replace(/^Per /, '')],
      );
      if (header.length === 0) header.push(...table.slice(0, 2));
      body.push(...table.slice(2));
    }
    lines.push(...header, ...body, '');
  }
  return lines;
}

/** Markdown for `report`; `plotFiles` (question id -> path relative to the report) adds the figures. */
export function formatReportMarkdown(
  report: StudyReport,
  plotFiles: Readonly<Record<string, string>> = {},
): string {
  const lines = [
    `# ${report.title}: results`,
    '',
    `${report.ratings.used} ratings used from ${report.raters.active} raters (${report.ratersPerPair} raters wanted per pair).`,
    `Control pairs: ${report.ratings.controls} control ratings from ${report.raters.checked} raters; ` +
      `${report.raters.careless} careless raters (a strong preference between identical soundtracks) left out ` +
      `with their ${report.ratings.excluded} other ratings.`,
    '',
    'Shares are of all ratings of the pair; the win rate counts preferences (strong or weak) for X among all ' +
      'ratings that are not "no preference", with an exact Clopper-Pearson 95% interval.',
    '',
  ];
  for (const question of questions) {
    lines.push(`## ${question.label}: "${question.text}"`, '');
    lines.push(...comparisonTable(report.comparisons.filter((row) => row.question === question.id)), '');
    if (plotFiles[question.id]) lines.push(`![${question.label}](${plotFiles[question.id]})`, '');
  }
  lines.push('## Per system (all its comparisons)', '');
  lines.push('| system | question | wins | losses | ties | win rate [95% CI] |', '|---|---|---|---|---|---|');
  for (const row of report.systems) {
    const label = questions.find((question) => question.id === row.question)!.label;
    lines.push(
      `| ${row.system} | ${label} | ${row.wins} | ${row.losses} | ${row.ties} | ${interval(row.winRate, row.winInterval.low, row.winInterval.high)} |`,
    );
  }
  lines.push('');
  lines.push(...breakdownSection('Per video', report.byVideo));
  lines.push(...breakdownSection('Per genre', report.byGenre));
  return `${lines.join('\n').trimEnd()}\n`;
}
