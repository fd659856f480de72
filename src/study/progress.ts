// How far a study has got: ratings per pair against quota, raters, and completion. Shown on the admin page
// and usable from scripts; reads only.
import { type AssignmentOptions, countHeld } from './assignment.js';
import type { StudyDatabase } from './database.js';
import { hasActivityTable, readSettings } from './database.js';

export interface PairProgress {
  readonly pairId: number;
  readonly video: string;
  readonly first: string;
  readonly second: string;
  readonly isControl: boolean;
  readonly rated: number;
  /** Raters wanted (0 for controls, which have no quota). */
  readonly quota: number;
}

export interface StudyProgress {
  readonly title: string;
  readonly raters: number;
  /** Raters who rated every pair they were asked for. */
  readonly ratersFinished: number;
  readonly ratings: number;
  /** Ratings still wanted to fill every quota. */
  readonly ratingsWanted: number;
  /** Pairs handed out to raters who have not rated them yet and still hold their place (hold and idle rules). */
  readonly reserved: number;
  readonly pairs: readonly PairProgress[];
}

/** Progress; `options` gives the clock and the hold rules that decide which unrated assignments are reserved. */
export function studyProgress(database: StudyDatabase, options: AssignmentOptions = {}): StudyProgress {
  const settings = readSettings(database);
  const pairs = (
    database
      .prepare(
        `SELECT p.id AS pairId, v.name AS video, fs.name AS first, ss.name AS second, p.is_control AS isControl,
                p.quota AS quota, COUNT(r.assignment_id) AS rated
         FROM pairs p JOIN videos v ON v.id = p.video_id
         JOIN clips fc ON fc.id = p.first_clip_id JOIN systems fs ON fs.id = fc.system_id
         JOIN clips sc ON sc.id = p.second_clip_id JOIN systems ss ON ss.id = sc.system_id
         LEFT JOIN assignments a ON a.pair_id = p.id LEFT JOIN ratings r ON r.assignment_id = a.id
         GROUP BY p.id ORDER BY p.id`,
      )
      .all() as (Omit<PairProgress, 'isControl'> & { isControl: number })[]
  ).map((row) => ({ ...row, isControl: row.isControl === 1 }));
  const count = (sql: string, ...parameters: unknown[]) =>
    (database.prepare(sql).get(...parameters) as { n: number }).n;
  return {
    title: settings.title,
    raters: count('SELECT COUNT(*) AS n FROM raters'),
    ratersFinished: count(
      `SELECT COUNT(*) AS n FROM (SELECT a.rater_id FROM assignments a JOIN ratings r ON r.assignment_id = a.id
       GROUP BY a.rater_id HAVING COUNT(*) >= ?)`,
      settings.pairsPerRater,
    ),
    ratings: count('SELECT COUNT(*) AS n FROM ratings'),
    ratingsWanted: pairs.reduce((sum, pair) => sum + Math.max(0, pair.quota - pair.rated), 0),
    reserved: hasActivityTable(database) ? countHeld(database, options).overall : 0,
    pairs,
  };
}
