// `study create`: matches videos with each system's soundtracks, muxes one playable clip per (video, system)
// under opaque file names (raters cannot tell systems apart by URL), plans the pairs and controls, and writes
// the study folder: study.sqlite + media/. Built in a sibling temporary folder and renamed at the end.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { V2meowError } from '../errors.js';
import { checkOutputFolder } from '../util/outputPath.js';
import { browserPlayablePicture, makeClip } from './clips.js';
import { createStudyDatabase, databaseFileName, mediaFolderName, writeSettings } from './database.js';
import { type PairSelection, planControls, selectPairs } from './pairs.js';
import { seededRandom } from './random.js';
import { matchSources, type SystemSource } from './sources.js';

export interface CreateStudyOptions {
  /** Folder of the videos raters watch. */
  readonly videosDir: string;
  /** Systems compared; each folder holds one soundtrack per video, named like the video. */
  readonly systems: readonly SystemSource[];
  /** Study folder to create (must not exist, or be empty). */
  readonly outputDir: string;
  /** 'all' system pairs of every video, or a sample of this many. Default 'all'. */
  readonly pairs?: PairSelection;
  /** Distinct raters per pair. Default 3 (paper). */
  readonly ratersPerPair?: number;
  /** Most pairs one rater is asked for, controls included. Default 10. */
  readonly pairsPerRater?: number;
  /** Control pairs per rater (same soundtrack on both sides). Default 0. */
  readonly controlsPerRater?: number;
  /** Seed for sampling pairs and controls (clip names are random, not seeded). Default 0. */
  readonly seed?: number;
  /** Title shown to raters. */
  readonly title?: string;
  /** Video name -> genre, for per-genre breakdowns. */
  readonly genres?: ReadonlyMap<string, string>;
  /** Progress messages (one line each). */
  readonly onProgress?: (message: string) => void;
}

export interface CreateStudyResult {
  readonly studyDir: string;
  readonly videos: number;
  readonly systems: number;
  readonly clips: number;
  readonly pairs: number;
  readonly controls: number;
  readonly adminToken: string;
  readonly warnings: readonly string[];
}

function positiveInteger(value: number, name: string, minimum = 1): number {
  if (!Number.isInteger(value) || value < minimum)
    throw new V2meowError('BAD_ARGUMENT', `${name} must be an integer >= ${minimum}, got ${value}`);
  return value;
}

/** Builds a study folder; see the file header. */
export async function createStudy(options: CreateStudyOptions): Promise<CreateStudyResult> {
  const ratersPerPair = positiveInteger(options.ratersPerPair ?? 3, 'raters per pair');
  const pairsPerRater = positiveInteger(options.pairsPerRater ?? 10, 'pairs per rater');
  const controlsPerRater = positiveInteger(options.controlsPerRater ?? 0, 'controls per rater', 0);
  const seed = positiveInteger(options.seed ?? 0, 'seed', 0);
  if (options.pairs !== undefined && options.pairs !== 'all') positiveInteger(options.pairs, 'pairs');
  if (controlsPerRater >= pairsPerRater)
    throw new V2meowError('BAD_ARGUMENT', 'controls per rater must be fewer than pairs per rater');
  const progress = options.onProgress ?? (() => {});
  const studyDir = resolve(options.outputDir);
  if (existsSync(studyDir) && readdirSync(studyDir).length > 0)
    throw new V2meowError('BAD_ARGUMENT', 'study folder exists and is not empty', studyDir);
  if (!existsSync(dirname(studyDir)))
    throw new V2meowError('FILE_NOT_FOUND', `parent folder ${dirname(studyDir)} does not exist`, studyDir);
  checkOutputFolder(studyDir, { empty: true });

  const { videos, warnings } = matchSources(options.videosDir, options.systems);
  for (const warning of warnings) progress(`warning: ${warning}`);
  const random = seededRandom(seed);
  const videoSystems = videos.map((video) => ({ video: video.name, systems: [...video.soundtracks.keys()] }));
  const pairs = selectPairs(videoSystems, options.pairs ?? 'all', random);
  const controls = controlsPerRater > 0 ? planControls(videoSystems, random) : [];

  // Clips needed: both sides of every pair and every control.
  const needed = new Set<string>();
  const key = (video: string, system: string) => `${video}\u0000${system}`;
  for (const pair of pairs) needed.add(key(pair.video, pair.first)).add(key(pair.video, pair.second));
  for (const control of controls) needed.add(key(control.video, control.system));

  const workDir = join(dirname(studyDir), `.${basename(studyDir)}.partial-${randomBytes(4).toString('hex')}`);
  mkdirSync(join(workDir, mediaFolderName), { recursive: true });
  try {
    const clipRows: {
      video: string;
      system: string;
      file: string;
      source: string;
      durationSeconds: number;
    }[] = [];
    let done = 0;
    for (const video of videos) {
      const systems = [...video.soundtracks.keys()].filter((system) => needed.has(key(video.name, system)));
      if (systems.length === 0) continue;
      const picture = await browserPlayablePicture(video.path, workDir, `video-${clipRows.length}`);
      for (const system of systems) {
        // Opaque names from the system's cryptographic source, never from the seed: with a known seed, names
        // derived from it would tell raters which system each clip is.
        const file = `${randomBytes(8).toString('hex')}.mp4`;
        const source = video.soundtracks.get(system)!;
        const durationSeconds = await makeClip(picture, source, join(workDir, mediaFolderName, file));
        clipRows.push({ video: video.name, system, file, source: resolve(source), durationSeconds });
        progress(`clip ${++done}/${needed.size}: ${video.name} + ${system}`);
      }
      if (picture !== video.path) rmSync(picture, { force: true });
    }

    const adminToken = randomBytes(18).toString('base64url');
    const database = createStudyDatabase(join(workDir, databaseFileName));
    try {
      database.transaction(() => {
        writeSettings(database, {
          title: options.title ?? 'Music for video: listening study',
          ratersPerPair,
          pairsPerRater,
          controlsPerRater,
          adminToken,
          seed,
        });
        const systemIds = new Map<string, number>();
        options.systems.forEach((system, index) => {
          database.prepare('INSERT INTO systems (id, name) VALUES (?, ?)').run(index + 1, system.name);
          systemIds.set(system.name, index + 1);
        });
        const videoIds = new Map<string, number>();
        videos.forEach((video, index) => {
          database
            .prepare('INSERT INTO videos (id, name, genre) VALUES (?, ?, ?)')
            .run(index + 1, video.name, options.genres?.get(video.name) ?? null);
          videoIds.set(video.name, index + 1);
        });
        const clipIds = new Map<string, number>();
        clipRows.forEach((clip, index) => {
          database
            .prepare(
              'INSERT INTO clips (id, video_id, system_id, file, source, duration_seconds) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(
              index + 1,
              videoIds.get(clip.video)!,
              systemIds.get(clip.system)!,
              clip.file,
              clip.source,
              clip.durationSeconds,
            );
          clipIds.set(key(clip.video, clip.system), index + 1);
        });
        const insertPair = database.prepare(
          'INSERT INTO pairs (video_id, first_clip_id, second_clip_id, is_control, quota) VALUES (?, ?, ?, ?, ?)',
        );
        for (const pair of pairs)
          insertPair.run(
            videoIds.get(pair.video)!,
            clipIds.get(key(pair.video, pair.first))!,
            clipIds.get(key(pair.video, pair.second))!,
            0,
            ratersPerPair,
          );
        for (const control of controls) {
          const clip = clipIds.get(key(control.video, control.system))!;
          insertPair.run(videoIds.get(control.video)!, clip, clip, 1, 0);
        }
      })();
      database.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      database.close();
    }
    if (existsSync(studyDir)) rmSync(studyDir, { recursive: true });
    renameSync(workDir, studyDir);
    return {
      studyDir,
      videos: videos.length,
      systems: options.systems.length,
      clips: clipRows.length,
      pairs: pairs.length,
      controls: controls.length,
      adminToken,
      warnings,
    };
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}
