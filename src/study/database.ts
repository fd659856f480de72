// The study's SQLite database (better-sqlite3, WAL mode, synchronous=FULL): schema, format version, and the
// typed rows the rest of src/study reads. One file `study.sqlite` per study folder; every write happens inside
// an IMMEDIATE transaction, so a rating that the server confirms is already on disk, and two server processes on
// the same study serialise through SQLite's lock instead of overwriting each other.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { V2meowError } from '../errors.js';

export type StudyDatabase = Database.Database;

/** Bumped whenever the schema changes; `openStudy` refuses other versions. */
export const studyFormatVersion = 1;
export const databaseFileName = 'study.sqlite';
export const mediaFolderName = 'media';

/**
 * When each rater was last seen and from which address: an unrated assignment holds its pair only while its
 * rater is active, and one address may hold only so many. Added after format version 1 without a version
 * bump: it is created on opening when missing, and older readers ignore it.
 */
const activitySchema = `
CREATE TABLE IF NOT EXISTS rater_activity (
  rater_id TEXT PRIMARY KEY REFERENCES raters(id),
  address TEXT NOT NULL,
  last_seen TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS rater_activity_address ON rater_activity(address);
`;

/** True when the database has the rater_activity table (studies made before it have it after a writable open). */
export function hasActivityTable(database: StudyDatabase): boolean {
  return (
    database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rater_activity'").get() !==
    undefined
  );
}

const schema = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE systems (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
CREATE TABLE videos (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, genre TEXT) STRICT;
-- One playable clip per (video, system): the video's picture with that system's soundtrack, muxed.
CREATE TABLE clips (
  id INTEGER PRIMARY KEY,
  video_id INTEGER NOT NULL REFERENCES videos(id),
  system_id INTEGER NOT NULL REFERENCES systems(id),
  file TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  duration_seconds REAL NOT NULL,
  UNIQUE (video_id, system_id)
) STRICT;
-- A comparison of two clips of the same video. first/second are in system-name order; controls have
-- first_clip_id = second_clip_id and no quota (each rater may get some).
CREATE TABLE pairs (
  id INTEGER PRIMARY KEY,
  video_id INTEGER NOT NULL REFERENCES videos(id),
  first_clip_id INTEGER NOT NULL REFERENCES clips(id),
  second_clip_id INTEGER NOT NULL REFERENCES clips(id),
  is_control INTEGER NOT NULL CHECK (is_control IN (0, 1)),
  quota INTEGER NOT NULL CHECK (quota >= 0)
) STRICT;
CREATE TABLE raters (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  control_slots TEXT NOT NULL
) STRICT;
-- One pair shown to one rater. swapped = 1 when side A shows the pair's second clip.
CREATE TABLE assignments (
  id INTEGER PRIMARY KEY,
  rater_id TEXT NOT NULL REFERENCES raters(id),
  pair_id INTEGER NOT NULL REFERENCES pairs(id),
  position INTEGER NOT NULL,
  swapped INTEGER NOT NULL CHECK (swapped IN (0, 1)),
  created_at TEXT NOT NULL,
  UNIQUE (rater_id, pair_id),
  UNIQUE (rater_id, position)
) STRICT;
-- Answers as shown on screen: -2 strong A .. +2 strong B. At most one rating per assignment.
CREATE TABLE ratings (
  assignment_id INTEGER PRIMARY KEY REFERENCES assignments(id),
  relevance INTEGER NOT NULL CHECK (relevance BETWEEN -2 AND 2),
  preference INTEGER NOT NULL CHECK (preference BETWEEN -2 AND 2),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX assignments_pair ON assignments(pair_id);
${activitySchema}`;

function configure(database: StudyDatabase): void {
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
}

/** Creates a new, empty study database at `path` (which must not exist). */
export function createStudyDatabase(path: string): StudyDatabase {
  if (existsSync(path)) throw new V2meowError('BAD_ARGUMENT', 'a study database already exists here', path);
  const database = new Database(path);
  configure(database);
  database.exec(schema);
  database
    .prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
    .run('formatVersion', String(studyFormatVersion));
  return database;
}

/** Opens the database of an existing study folder, checking its format version. */
export function openStudyDatabase(
  studyDir: string,
  options: { readonly readonly?: boolean } = {},
): StudyDatabase {
  const path = join(studyDir, databaseFileName);
  if (!existsSync(path))
    throw new V2meowError('FILE_NOT_FOUND', 'not a study folder (no study.sqlite)', studyDir);
  let database: StudyDatabase;
  try {
    database = new Database(path, { readonly: options.readonly ?? false, fileMustExist: true });
    if (!options.readonly) configure(database);
    const row = database.prepare("SELECT value FROM meta WHERE key = 'formatVersion'").get() as
      | { value: string }
      | undefined;
    if (!row) throw new V2meowError('BAD_FORMAT', 'study database has no format version', path);
    if (Number(row.value) !== studyFormatVersion)
      throw new V2meowError(
        'VERSION_MISMATCH',
        `study format version ${row.value}, this v2meow reads ${studyFormatVersion}`,
        path,
      );
    if (!options.readonly) database.exec(activitySchema);
  } catch (error) {
    if (error instanceof V2meowError) throw error;
    throw new V2meowError('BAD_FORMAT', `not a readable study database (${(error as Error).message})`, path, {
      cause: error,
    });
  }
  return database;
}

/** Reads a meta value, or undefined. */
export function readMeta(database: StudyDatabase, key: string): string | undefined {
  const row = database.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
    | { value: string }
    | undefined;
  return row?.value;
}

export function writeMeta(database: StudyDatabase, key: string, value: string): void {
  database
    .prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    )
    .run(key, value);
}

/** Study-wide settings stored in `meta` at creation. */
export interface StudySettings {
  /** Title shown to raters. */
  readonly title: string;
  /** Number of distinct raters wanted per (non-control) pair. */
  readonly ratersPerPair: number;
  /** Most pairs one rater is asked to rate, control pairs included. */
  readonly pairsPerRater: number;
  /** Control pairs inserted into each rater's sequence (0 = none). */
  readonly controlsPerRater: number;
  /** Secret for the admin page. */
  readonly adminToken: string;
  /** Seed the study was built with. */
  readonly seed: number;
}

export function readSettings(database: StudyDatabase): StudySettings {
  const number = (key: string) => Number(readMeta(database, key) ?? Number.NaN);
  return {
    title: readMeta(database, 'title') ?? 'Listening study',
    ratersPerPair: number('ratersPerPair'),
    pairsPerRater: number('pairsPerRater'),
    controlsPerRater: number('controlsPerRater'),
    adminToken: readMeta(database, 'adminToken') ?? '',
    seed: number('seed'),
  };
}

export function writeSettings(database: StudyDatabase, settings: StudySettings): void {
  for (const [key, value] of Object.entries(settings)) writeMeta(database, key, String(value));
}
