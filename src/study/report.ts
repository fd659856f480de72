// `study report`: turns stored ratings into the paper's pairwise results (Tables 1/4, Figs. 10-12): for every
// system pair and question, the share of strong/weak preference each way and of no preference, and the win
// rate (preferences for the first system among all non-tied ratings) with an exact Clopper-Pearson 95%
// interval; per-system totals; per-video and per-genre breakdowns. Raters who gave a strong preference on any
// control pair (identical soundtracks) are counted as careless and all their ratings are left out.
import { readSettings, type StudyDatabase } from './database.js';
import { type QuestionId, questionIds } from './questions.js';
import { clopperPearson, type Interval } from './statistics.js';

/** Ratings by category, oriented to the pair's first system: [strong first, weak first, none, weak second, strong second]. */
export type Counts = [number, number, number, number, number];

export interface Comparison {
  readonly first: string;
  readonly second: string;
  readonly question: QuestionId;
  readonly counts: Counts;
  readonly ratings: number;
  /** counts / ratings (all zero when there are no ratings). */
  readonly shares: readonly number[];
  /** (strong + weak first) / (all non-tied ratings); NaN when every rating is a tie. */
  readonly firstWinRate: number;
  /** 95% Clopper-Pearson interval of `firstWinRate`. */
  readonly firstWinInterval: Interval;
}

export interface SystemSummary {
  readonly system: string;
  readonly question: QuestionId;
  readonly wins: number;
  readonly losses: number;
  readonly ties: number;
  /** wins / (wins + losses), NaN without decided ratings. */
  readonly winRate: number;
  readonly winInterval: Interval;
}

export interface Breakdown {
  /** The video or genre name. */
  readonly name: string;
  readonly comparisons: readonly Comparison[];
}

export interface StudyReport {
  readonly title: string;
  readonly ratersPerPair: number;
  readonly raters: {
    /** Raters with at least one rating. */
    readonly active: number;
    /** Raters who rated at least one control pair. */
    readonly checked: number;
    /** Raters left out for a strong preference on a control pair. */
    readonly careless: number;
  };
  readonly ratings: {
    readonly total: number;
    /** Non-control ratings that enter the results. */
    readonly used: number;
    /** Non-control ratings of careless raters. */
    readonly excluded: number;
    readonly controls: number;
  };
  readonly comparisons: readonly Comparison[];
  readonly systems: readonly SystemSummary[];
  readonly byVideo: readonly Breakdown[];
  readonly byGenre: readonly Breakdown[];
}

/** One rating joined with its pair, oriented to the pair's first system (score -2 strong first .. +2 strong second). */
export interface OrientedRating {
  readonly rater: string;
  readonly video: string;
  readonly genre: string | null;
  readonly first: string;
  readonly second: string;
  readonly isControl: boolean;
  readonly scores: Readonly<Record<QuestionId, number>>;
}

/** All ratings with the A/B display order undone. */
export function readOrientedRatings(database: StudyDatabase): OrientedRating[] {
  const rows = database
    .prepare(
      `SELECT a.rater_id AS rater, v.name AS video, v.genre AS genre, fs.name AS first, ss.name AS second,
              p.is_control AS isControl, a.swapped AS swapped, r.relevance AS relevance, r.preference AS preference
       FROM ratings r JOIN assignments a ON a.id = r.assignment_id JOIN pairs p ON p.id = a.pair_id
       JOIN videos v ON v.id = p.video_id
       JOIN clips fc ON fc.id = p.first_clip_id JOIN systems fs ON fs.id = fc.system_id
       JOIN clips sc ON sc.id = p.second_clip_id JOIN systems ss ON ss.id = sc.system_id
       ORDER BY r.assignment_id`,
    )
    .all() as {
    rater: string;
    video: string;
    genre: string | null;
    first: string;
    second: string;
    isControl: number;
    swapped: number;
    relevance: number;
    preference: number;
  }[];
  // Stored scores are relative to the screen: negative = A. When swapped, A showed the second system.
  return rows.map((row) => {
    const orient = (score: number) => (row.swapped ? -score : score) + 0;
    return {
      rater: row.rater,
      video: row.video,
      genre: row.genre,
      first: row.first,
      second: row.second,
      isControl: row.isControl === 1,
      scores: { relevance: orient(row.relevance), preference: orient(row.preference) },
    };
  });
}

function compare(
  ratings: readonly OrientedRating[],
  first: string,
  second: string,
  question: QuestionId,
): Comparison {
  const counts: Counts = [0, 0, 0, 0, 0];
  for (const rating of ratings)
    if (rating.first === first && rating.second === second) counts[rating.scores[question] + 2]!++;
  const total = counts.reduce((sum, count) => sum + count, 0);
  const wins = counts[0] + counts[1];
  const decided = wins + counts[3] + counts[4];
  return {
    first,
    second,
    question,
    counts,
    ratings: total,
    shares: counts.map((count) => (total > 0 ? count / total : 0)),
    firstWinRate: decided > 0 ? wins / decided : Number.NaN,
    firstWinInterval: clopperPearson(wins, decided),
  };
}

/** Comparisons for every system pair present in `ratings`, for both questions. */
export function comparisons(ratings: readonly OrientedRating[]): Comparison[] {
  const pairs = new Map<string, [string, string]>();
  for (const rating of ratings)
    pairs.set(`${rating.first}\u0000${rating.second}`, [rating.first, rating.second]);
  const sorted = [...pairs.values()].sort((left, right) =>
    left[0] === right[0] ? (left[1] < right[1] ? -1 : 1) : left[0] < right[0] ? -1 : 1,
  );
  return questionIds.flatMap((question) =>
    sorted.map(([first, second]) => compare(ratings, first, second, question)),
  );
}

function systemSummaries(ratings: readonly OrientedRating[], systems: readonly string[]): SystemSummary[] {
  return questionIds.flatMap((question) =>
    systems.map((system) => {
      let wins = 0;
      let losses = 0;
      let ties = 0;
      for (const rating of ratings) {
        const score = rating.scores[question];
        const side = rating.first === system ? -1 : rating.second === system ? 1 : 0;
        if (side === 0) continue;
        if (score === 0) ties++;
        else if (Math.sign(score) === side) wins++;
        else losses++;
      }
      return {
        system,
        question,
        wins,
        losses,
        ties,
        winRate: wins + losses > 0 ? wins / (wins + losses) : Number.NaN,
        winInterval: clopperPearson(wins, wins + losses),
      };
    }),
  );
}

function breakdown(
  ratings: readonly OrientedRating[],
  keyOf: (rating: OrientedRating) => string | null,
): Breakdown[] {
  const groups = new Map<string, OrientedRating[]>();
  for (const rating of ratings) {
    const key = keyOf(rating);
    if (key === null) continue;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(rating);
  }
  return [...groups.keys()].sort().map((name) => ({ name, comparisons: comparisons(groups.get(name)!) }));
}

/** A rater is careless when any control rating of theirs is a strong preference (|score| = 2) on either question. */
export function carelessRaters(ratings: readonly OrientedRating[]): Set<string> {
  const careless = new Set<string>();
  for (const rating of ratings)
    if (rating.isControl && questionIds.some((question) => Math.abs(rating.scores[question]) === 2))
      careless.add(rating.rater);
  return careless;
}

/** Computes the whole report from a study database. */
export function buildReport(database: StudyDatabase): StudyReport {
  const settings = readSettings(database);
  const all = readOrientedRatings(database);
  const careless = carelessRaters(all);
  const regular = all.filter((rating) => !rating.isControl);
  const used = regular.filter((rating) => !careless.has(rating.rater));
  const systems = (database.prepare('SELECT name FROM systems ORDER BY id').all() as { name: string }[]).map(
    (row) => row.name,
  );
  return {
    title: settings.title,
    ratersPerPair: settings.ratersPerPair,
    raters: {
      active: new Set(all.map((rating) => rating.rater)).size,
      checked: new Set(all.filter((rating) => rating.isControl).map((rating) => rating.rater)).size,
      careless: careless.size,
    },
    ratings: {
      total: all.length,
      used: used.length,
      excluded: regular.length - used.length,
      controls: all.length - regular.length,
    },
    comparisons: comparisons(used),
    systems: systemSummaries(used, systems),
    byVideo: breakdown(used, (rating) => rating.video),
    byGenre: breakdown(used, (rating) => rating.genre),
  };
}
