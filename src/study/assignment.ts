// Who rates what: anonymous raters, handing each one the next pair, and storing ratings exactly once.
// Rules (issue 6): a rater gets pairs that still need ratings for their quota, never the same pair twice;
// quotas are never exceeded; A/B sides alternate across the raters of a pair so each order is shown equally
// often. A pair handed out but not rated is held for its rater at most `holdMilliseconds`, and only while the
// rater is active (`idleMilliseconds`); one address, and all raters together, may hold only so many such pairs,
// so scripted raters cannot take every quota place from real ones (issue 16). Every function runs in one IMMEDIATE transaction, so concurrent requests (or two server
// processes) serialise on SQLite's write lock and a confirmed rating is committed.
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { V2meowError } from '../errors.js';
import { readSettings, type StudyDatabase } from './database.js';
import { type Answer, answerScore } from './questions.js';

/** How long an unanswered assignment keeps its place in a pair's quota (ms). */
export const defaultHoldMilliseconds = 30 * 60 * 1000;
/** How long a rater may be inactive before their unanswered assignment stops holding its place (ms). */
export const defaultIdleMilliseconds = 10 * 60 * 1000;

export interface AssignmentOptions {
  /** Current time (tests pass a fixed clock). */
  readonly now?: Date;
  /** How long an unanswered assignment keeps its place in the quota, in ms. */
  readonly holdMilliseconds?: number;
  /** An unanswered assignment stops holding its place when its rater has been inactive this long, in ms. */
  readonly idleMilliseconds?: number;
  /** Network address of the client making the request (recorded as the rater's last address). */
  readonly address?: string;
  /** Most held (unanswered, active) assignments the raters of one address may have; unlimited when absent. */
  readonly maxPendingPerAddress?: number;
  /** Most held assignments of all raters together; unlimited when absent. */
  readonly maxPendingOverall?: number;
}

/** The cutoffs of the hold rule at `options.now`, as ISO strings for SQL. */
function holdCutoffs(options: AssignmentOptions): { heldSince: string; activeSince: string } {
  const now = (options.now ?? new Date()).getTime();
  return {
    heldSince: new Date(now - (options.holdMilliseconds ?? defaultHoldMilliseconds)).toISOString(),
    activeSince: new Date(now - (options.idleMilliseconds ?? defaultIdleMilliseconds)).toISOString(),
  };
}

/**
 * SQL condition (over assignments `a` LEFT JOIN rater_activity `act` LEFT JOIN ratings `r`) for an assignment
 * that holds its place: not rated, handed out after :heldSince, its rater seen after :activeSince.
 */
const heldCondition = `r.assignment_id IS NULL AND a.created_at > :heldSince
  AND COALESCE(act.last_seen, a.created_at) > :activeSince`;

/** Records that a rater was active now (from `options.address`, when known). */
export function touchRater(database: StudyDatabase, raterId: string, options: AssignmentOptions = {}): void {
  database
    .prepare(
      `INSERT INTO rater_activity (rater_id, address, last_seen) VALUES (?, ?, ?)
       ON CONFLICT(rater_id) DO UPDATE SET last_seen = excluded.last_seen,
         address = CASE WHEN ? THEN excluded.address ELSE address END`,
    )
    .run(raterId, options.address ?? '', (options.now ?? new Date()).toISOString(), options.address ? 1 : 0);
}

/** Held assignments in all (and of the raters last seen at `address`, when given). */
export function countHeld(
  database: StudyDatabase,
  options: AssignmentOptions = {},
): { overall: number; address: number } {
  const row = database
    .prepare(
      `SELECT COUNT(*) AS overall,
              COALESCE(SUM(CASE WHEN act.address = :address THEN 1 ELSE 0 END), 0) AS address
       FROM assignments a LEFT JOIN rater_activity act ON act.rater_id = a.rater_id
       LEFT JOIN ratings r ON r.assignment_id = a.id WHERE ${heldCondition}`,
    )
    .get({ ...holdCutoffs(options), address: options.address ?? '' }) as { overall: number; address: number };
  return row;
}

/** What a rater is shown for one pair. Clip names are opaque media file names (no system names). */
export interface AssignmentView {
  readonly done: false;
  readonly assignmentId: number;
  /** 1-based position of this pair in the rater's sequence. */
  readonly position: number;
  /** Pairs this rater is asked for in all. */
  readonly total: number;
  /** Media file (under the study's media folder) played as A. */
  readonly clipA: string;
  /** Media file played as B. */
  readonly clipB: string;
}

export interface FinishedView {
  readonly done: true;
  /** Ratings this rater has given. */
  readonly rated: number;
  readonly total: number;
}

const raterIdPattern = /^[A-Za-z0-9_-]{22}$/;

/** True when `value` has the shape of a rater id (128 random bits, base64url). */
export function isRaterId(value: unknown): value is string {
  return typeof value === 'string' && raterIdPattern.test(value);
}

/** Registers a new anonymous rater and returns their id. Control pairs go to random positions (not the first). */
export function createRater(database: StudyDatabase, options: AssignmentOptions = {}): string {
  const settings = readSettings(database);
  const id = randomBytes(16).toString('base64url');
  const slots = new Set<number>();
  const available = Math.max(0, settings.pairsPerRater - 1);
  while (slots.size < Math.min(settings.controlsPerRater, available)) slots.add(1 + randomInt(available));
  database
    .prepare('INSERT INTO raters (id, created_at, control_slots) VALUES (?, ?, ?)')
    .run(id, (options.now ?? new Date()).toISOString(), JSON.stringify([...slots].sort((a, b) => a - b)));
  touchRater(database, id, options);
  return id;
}

interface RaterRow {
  readonly id: string;
  readonly control_slots: string;
}

interface AssignmentRow {
  readonly id: number;
  readonly rater_id: string;
  readonly pair_id: number;
  readonly position: number;
  readonly swapped: number;
  readonly created_at: string;
}

function requireRater(database: StudyDatabase, raterId: string): RaterRow {
  const rater = isRaterId(raterId)
    ? (database.prepare('SELECT id, control_slots FROM raters WHERE id = ?').get(raterId) as
        | RaterRow
        | undefined)
    : undefined;
  if (!rater) throw new V2meowError('FORBIDDEN', 'unknown rater');
  return rater;
}

function ratedCount(database: StudyDatabase, pairId: number): number {
  const row = database
    .prepare(
      'SELECT COUNT(*) AS n FROM assignments a JOIN ratings r ON r.assignment_id = a.id WHERE a.pair_id = ?',
    )
    .get(pairId) as { n: number };
  return row.n;
}

function viewOf(database: StudyDatabase, assignment: AssignmentRow, total: number): AssignmentView {
  const pair = database
    .prepare(
      `SELECT f.file AS first, s.file AS second FROM pairs p
       JOIN clips f ON f.id = p.first_clip_id JOIN clips s ON s.id = p.second_clip_id WHERE p.id = ?`,
    )
    .get(assignment.pair_id) as { first: string; second: string };
  const [clipA, clipB] = assignment.swapped ? [pair.second, pair.first] : [pair.first, pair.second];
  return { done: false, assignmentId: assignment.id, position: assignment.position + 1, total, clipA, clipB };
}

/**
 * The rater's current pair: their unanswered assignment if they have one, else a newly assigned pair, or
 * `done` when they have rated `pairsPerRater` pairs or no pair has room left.
 */
export function nextAssignment(
  database: StudyDatabase,
  raterId: string,
  options: AssignmentOptions = {},
): AssignmentView | FinishedView {
  const now = options.now ?? new Date();
  const settings = readSettings(database);
  const run = database.transaction((): AssignmentView | FinishedView => {
    const rater = requireRater(database, raterId);
    touchRater(database, raterId, options);
    const open = database
      .prepare(
        `SELECT a.* FROM assignments a LEFT JOIN ratings r ON r.assignment_id = a.id
         WHERE a.rater_id = ? AND r.assignment_id IS NULL ORDER BY a.position LIMIT 1`,
      )
      .get(raterId) as AssignmentRow | undefined;
    if (open) {
      const pair = database.prepare('SELECT quota, is_control FROM pairs WHERE id = ?').get(open.pair_id) as {
        quota: number;
        is_control: number;
      };
      // A stale assignment whose pair was filled by others meanwhile is dropped; otherwise it is shown again.
      if (pair.is_control || ratedCount(database, open.pair_id) < pair.quota)
        return viewOf(database, open, settings.pairsPerRater);
      database.prepare('DELETE FROM assignments WHERE id = ?').run(open.id);
    }
    const rated = (
      database.prepare('SELECT COUNT(*) AS n FROM assignments WHERE rater_id = ?').get(raterId) as {
        n: number;
      }
    ).n;
    if (rated >= settings.pairsPerRater) return { done: true, rated, total: settings.pairsPerRater };
    const position = rated;
    const controlSlots = JSON.parse(rater.control_slots) as number[];
    let pairId: number | undefined;
    if (controlSlots.includes(position)) {
      const controls = database
        .prepare(
          `SELECT id FROM pairs WHERE is_control = 1
           AND id NOT IN (SELECT pair_id FROM assignments WHERE rater_id = ?)`,
        )
        .all(raterId) as { id: number }[];
      if (controls.length > 0) pairId = controls[randomInt(controls.length)]!.id;
    }
    if (pairId === undefined) {
      const held = countHeld(database, options);
      if (options.maxPendingOverall !== undefined && held.overall >= options.maxPendingOverall)
        throw new V2meowError(
          'BUSY',
          'every open pair is being rated right now; please try again in a few minutes',
        );
      if (
        options.maxPendingPerAddress !== undefined &&
        options.address &&
        held.address >= options.maxPendingPerAddress
      )
        throw new V2meowError(
          'BUSY',
          'too many unfinished pairs from your network address; finish one or try again later',
        );
      // Room = quota minus (rated + still-held assignments of others); fill the emptiest pairs first.
      const candidates = database
        .prepare(
          `SELECT p.id, p.quota - COUNT(r.assignment_id)
                  - SUM(CASE WHEN a.id IS NOT NULL AND ${heldCondition} THEN 1 ELSE 0 END) AS room
           FROM pairs p LEFT JOIN assignments a ON a.pair_id = p.id
           LEFT JOIN rater_activity act ON act.rater_id = a.rater_id
           LEFT JOIN ratings r ON r.assignment_id = a.id
           WHERE p.is_control = 0 AND p.id NOT IN (SELECT pair_id FROM assignments WHERE rater_id = :rater)
           GROUP BY p.id HAVING room > 0 ORDER BY room DESC`,
        )
        .all({ ...holdCutoffs(options), rater: raterId }) as { id: number; room: number }[];
      if (candidates.length === 0) return { done: true, rated, total: settings.pairsPerRater };
      const best = candidates.filter((candidate) => candidate.room === candidates[0]!.room);
      pairId = best[randomInt(best.length)]!.id;
    }
    const shown = (
      database.prepare('SELECT COUNT(*) AS n FROM assignments WHERE pair_id = ?').get(pairId) as { n: number }
    ).n;
    // Alternate sides across a pair's raters, starting from a per-pair coin flip keyed by the study's secret
    // (not the public seed, which would let anyone who knows it tell which side is which system).
    const coin = createHmac('sha256', settings.adminToken).update(`side:${pairId}`).digest()[0]! & 1;
    const swapped = (coin + shown) % 2;
    const result = database
      .prepare(
        'INSERT INTO assignments (rater_id, pair_id, position, swapped, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(raterId, pairId, position, swapped, now.toISOString());
    const assignment = database
      .prepare('SELECT * FROM assignments WHERE id = ?')
      .get(result.lastInsertRowid) as AssignmentRow;
    return viewOf(database, assignment, settings.pairsPerRater);
  });
  return run.immediate();
}

export interface RatingInput {
  readonly assignmentId: number;
  readonly relevance: Answer;
  readonly preference: Answer;
}

export interface RatingResult {
  /** True when this exact rating had already been stored (a retried request); nothing new was written. */
  readonly duplicate: boolean;
  /** Ratings this rater has given so far. */
  readonly rated: number;
  readonly total: number;
}

/**
 * Stores one rating. Throws NOT_FOUND (no such assignment), FORBIDDEN (another rater's assignment, unknown
 * rater), CONFLICT (already rated differently, or the pair's quota was filled while this assignment was stale).
 * Returns only after the transaction has committed.
 */
export function submitRating(
  database: StudyDatabase,
  raterId: string,
  input: RatingInput,
  options: AssignmentOptions = {},
): RatingResult {
  const now = options.now ?? new Date();
  const settings = readSettings(database);
  const relevance = answerScore(input.relevance);
  const preference = answerScore(input.preference);
  const run = database.transaction((): RatingResult => {
    requireRater(database, raterId);
    touchRater(database, raterId, options);
    const assignment = database.prepare('SELECT * FROM assignments WHERE id = ?').get(input.assignmentId) as
      | AssignmentRow
      | undefined;
    if (!assignment) throw new V2meowError('NOT_FOUND', `no assignment ${input.assignmentId}`);
    if (assignment.rater_id !== raterId)
      throw new V2meowError('FORBIDDEN', 'this assignment belongs to another rater');
    const countRated = () =>
      (
        database
          .prepare(
            'SELECT COUNT(*) AS n FROM ratings r JOIN assignments a ON a.id = r.assignment_id WHERE a.rater_id = ?',
          )
          .get(raterId) as { n: number }
      ).n;
    const existing = database
      .prepare('SELECT relevance, preference FROM ratings WHERE assignment_id = ?')
      .get(assignment.id) as { relevance: number; preference: number } | undefined;
    if (existing) {
      if (existing.relevance === relevance && existing.preference === preference)
        return { duplicate: true, rated: countRated(), total: settings.pairsPerRater };
      throw new V2meowError('CONFLICT', 'this pair has already been rated');
    }
    const pair = database
      .prepare('SELECT quota, is_control FROM pairs WHERE id = ?')
      .get(assignment.pair_id) as {
      quota: number;
      is_control: number;
    };
    if (!pair.is_control && ratedCount(database, assignment.pair_id) >= pair.quota) {
      throw new V2meowError(
        'CONFLICT',
        'this pair already has all its ratings; please continue with the next one',
      );
    }
    database
      .prepare('INSERT INTO ratings (assignment_id, relevance, preference, created_at) VALUES (?, ?, ?, ?)')
      .run(assignment.id, relevance, preference, now.toISOString());
    return { duplicate: false, rated: countRated(), total: settings.pairsPerRater };
  });
  return run.immediate();
}
