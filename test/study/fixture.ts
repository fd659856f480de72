// Test fixture: tiny generated media (ffmpeg lavfi, ~1 s, 160x90) for study tests, and a ready-made study
// folder built once per process and copied for each test that writes to it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
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

const built = new Map<string, string>();

/** A study over `videoCount` generated videos and the three fixture systems, as a fresh copy in a temp dir. */
export async function makeStudy(
  videoCount: number,
  options: Partial<Omit<CreateStudyOptions, 'videosDir' | 'systems' | 'outputDir'>> = {},
): Promise<string> {
  const cacheKey = JSON.stringify({ videoCount, ...options });
  let template = built.get(cacheKey);
  if (!template) {
    const dir = mkdtempSync(join(tmpdir(), 'v2meow-study-'));
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
  const copy = join(mkdtempSync(join(tmpdir(), 'v2meow-study-copy-')), 'study');
  cpSync(template, copy, { recursive: true });
  return copy;
}
