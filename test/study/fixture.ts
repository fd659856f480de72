// Test fixture: tiny generated media (ffmpeg lavfi, ~1 s, 160x90) for study tests, and a ready-made study
// folder built once per process and copied for each test that writes to it. Every temp folder is removed:
// a test's own folders when the test ends, the per-process templates when the process exits.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateStudyOptions, createStudy } from '../../src/study/index.js';

export const fixtureSystems = ['original', 'lowpass', 'other'] as const;

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Writes `videoCount` silent videos and one soundtrack per system per video under `dir`. */
export function makeStudyInputs(
  dir: string,
  videoCount: number,
): { videosDir: string; systemDirs: Record<string, string> } {
  const videosDir = join(dir, 'videos');
  mkdirSync(videosDir, { recursive: true });
  const systemDirs: Record<string, string> = {};
  for (const system of fixtureSystems) {
    systemDirs[system] = join(dir, system);
    mkdirSync(systemDirs[system]!, { recursive: true });
  }
  for (let index = 0; index < videoCount; index++) {
    const name = `clip${index}`;
    ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=160x90:rate=12:duration=1.5`,
        '-pix_fmt',
        'yuv420p',
        '-c:v',
        'libx264',
      ].concat(['-preset', 'ultrafast', join(videosDir, `${name}.mp4`)]),
    );
    fixtureSystems.forEach((system, systemIndex) => {
      const frequency = 220 * (systemIndex + 1) + 20 * index;
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=${frequency}:duration=1.5:sample_rate=22050`,
        join(systemDirs[system]!, `${name}.wav`),
      ]);
    });
  }
  return { videosDir, systemDirs };
}

/** Where a test registers work to do when it ends: a test's context `t`, or node:test's `{ after }`. */
export interface Cleanup {
  after(hook: () => void): void;
}

/** A fresh folder under the system temp folder (`prefix` + random), removed when `cleanup`'s test ends. */
export function testDir(cleanup: Cleanup, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Built study templates by options (key) -> folder; shared by the tests of one process. */
const built = new Map<string, string>();
/** The templates' temp folders, removed when the process exits (built or not). */
const templateDirs: string[] = [];
process.once('exit', () => {
  for (const dir of templateDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A study over `videoCount` generated videos and the three fixture systems, as a fresh copy in a temp folder
 * that is removed when `cleanup`'s test ends.
 */
export async function makeStudy(
  cleanup: Cleanup,
  videoCount: number,
  options: Partial<Omit<CreateStudyOptions, 'videosDir' | 'systems' | 'outputDir'>> = {},
): Promise<string> {
  const cacheKey = JSON.stringify({ videoCount, ...options });
  let template = built.get(cacheKey);
  if (!template) {
    const dir = mkdtempSync(join(tmpdir(), 'v2meow-study-'));
    templateDirs.push(dir);
    const { videosDir, systemDirs } = makeStudyInputs(dir, videoCount);
    template = join(dir, 'study');
    await createStudy({
      videosDir,
      systems: fixtureSystems.map((name) => ({ name, dir: systemDirs[name]! })),
      outputDir: template,
      ...options,
    });
    built.set(cacheKey, template);
  }
  const copy = join(testDir(cleanup, 'v2meow-study-copy-'), 'study');
  cpSync(template, copy, { recursive: true });
  return copy;
}
