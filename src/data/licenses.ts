// Finds the license of each source audio file, so a corpus records per file under which terms it may be used:
// a sibling `<name>.LICENSE.txt` / `<name>.license` file first, then a LICENSE / COPYING / copyright file in
// the file's folder or an enclosing one up to the source root, then the Debian package owning the file
// (/usr/share/doc/<package>/copyright, read with the machine-readable copyright format where it is used).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';

/** A license file found for a source file, before it gets an id in the corpus index. */
export interface FoundLicense {
  readonly kind: 'sibling' | 'folder' | 'debian';
  readonly file: string;
  readonly debianPackage?: string;
  readonly names: readonly string[];
}

const folderLicenseNames = new Set([
  'license',
  'license.txt',
  'license.md',
  'copying',
  'copying.txt',
  'copyright',
]);

/** Sibling license files of `file`: `stem.LICENSE.txt`, `stem.LICENSE`, `name.license`, ... */
function siblingLicense(file: string): string | undefined {
  const folder = dirname(file);
  const name = basename(file);
  const stem = basename(file, extname(file));
  const wanted = new Set(
    [stem, name].flatMap((base) =>
      ['.license', '.license.txt', '.copyright', '.copyright.txt'].map((s) => base + s),
    ),
  );
  return readdirSync(folder).find((entry) => wanted.has(entry.toLowerCase()));
}

/** LICENSE / COPYING / copyright in the file's folder or an enclosing one, up to `root` inclusive. */
function folderLicense(file: string, root: string): string | undefined {
  let folder = dirname(file);
  for (;;) {
    const hit = readdirSync(folder).find((entry) => folderLicenseNames.has(entry.toLowerCase()));
    if (hit && statSync(join(folder, hit)).isFile()) return join(folder, hit);
    if (folder === root || !folder.startsWith(root + sep)) return undefined;
    folder = dirname(folder);
  }
}

/** Debian packages owning each real path (one dpkg-query call per 200 files); absent when not packaged. */
export function debianOwners(realPaths: readonly string[]): Map<string, string> {
  const owners = new Map<string, string>();
  const candidates = realPaths.filter((path) => path.startsWith('/usr/') || path.startsWith('/opt/'));
  for (let start = 0; start < candidates.length; start += 200) {
    let output = '';
    try {
      output = execFileSync('dpkg-query', ['-S', ...candidates.slice(start, start + 200)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch (error) {
      // dpkg-query exits 1 when some paths are not owned, still printing the owned ones.
      output = (error as { stdout?: string }).stdout ?? '';
    }
    for (const line of output.split('\n')) {
      const match = /^([^:]+(?::[a-z0-9]+)?): (\/.*)$/.exec(line);
      if (match)
        owners.set(
          match[2]!,
          match[1]!
            .split(',')[0]!
            .trim()
            .replace(/:[a-z0-9]+$/, ''),
        );
    }
  }
  return owners;
}

/** DEP-5 stanzas: `Files` globs (may be empty for the header) and the first line of `License`. */
function parseDep5(text: string): { files: string[]; license: string }[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => {
      const fields = new Map<string, string>();
      let current = '';
      for (const line of paragraph.split('\n')) {
        const field = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
        if (field) {
          current = field[1]!.toLowerCase();
          fields.set(current, field[2]!);
        } else if (current && /^\s/.test(line)) fields.set(current, `${fields.get(current)}\n${line.trim()}`);
      }
      return {
        files: (fields.get('files') ?? '').split(/\s+/).filter((glob) => glob.length > 0),
        license: (fields.get('license') ?? '').split('\n')[0]!.trim(),
      };
    })
    .filter((stanza) => stanza.license.length > 0);
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`(^|/)${body}$`);
}

/** Keyword rules for free-form license texts; names are reported in the order they first appear. */
const keywordRules: readonly { pattern: RegExp; name: (match: RegExpExecArray) => string }[] = [
  {
    pattern: /creativecommons\.org\/licenses\/([a-z-]+)\/(\d\.\d)/,
    name: (m) => `CC-${m[1]!.toUpperCase()}-${m[2]}`,
  },
  { pattern: /CC[ -]BY[ -]SA[ -]?(\d\.\d)?/, name: (m) => `CC-BY-SA${m[1] ? `-${m[1]}` : ''}` },
  { pattern: /Attribution[- ,]*Share ?Alike/i, name: () => 'CC-BY-SA' },
  { pattern: /CC[ -]BY[ -](\d\.\d)/, name: (m) => `CC-BY-${m[1]}` },
  { pattern: /Creative Commons Attribution (\d\.\d)/i, name: (m) => `CC-BY-${m[1]}` },
  { pattern: /\bCC0\b/, name: () => 'CC0' },
  { pattern: /public domain/i, name: () => 'public-domain' },
  { pattern: /GNU General Public License/i, name: () => 'GPL' },
  { pattern: /GNU (Lesser|Library) General Public License/i, name: () => 'LGPL' },
  { pattern: /Apache License,? Version 2\.0/i, name: () => 'Apache-2.0' },
  { pattern: /Permission is hereby granted, free of charge/i, name: () => 'MIT' },
];

/**
 * License short names in a license/copyright text. For a DEP-5 Debian copyright file the stanza whose
 * `Files` globs match the end of `installedPath` wins (the last matching one, as the format says), else `*`.
 */
export function licenseNames(text: string, installedPath?: string): string[] {
  if (/^Format:\s*\S*copyright-format/m.test(text)) {
    const stanzas = parseDep5(text).filter((stanza) => stanza.files.length > 0);
    const matching = stanzas.filter((stanza) =>
      stanza.files.some(
        (glob) => glob === '*' || (installedPath !== undefined && globToRegExp(glob).test(installedPath)),
      ),
    );
    const chosen = matching.at(-1);
    if (chosen) return [chosen.license];
  }
  // An SPDX tag is authoritative: report its expression as is.
  const spdx = /SPDX-License-Identifier:\s*(.+)/.exec(text);
  if (spdx) return [spdx[1]!.trim()];
  const hits: { at: number; name: string }[] = [];
  for (const rule of keywordRules) {
    const match = rule.pattern.exec(text);
    if (match && !hits.some((hit) => hit.name.startsWith(rule.name(match).split('-')[0]!)))
      hits.push({ at: match.index, name: rule.name(match) });
  }
  return hits.sort((a, b) => a.at - b.at).map((hit) => hit.name);
}

/**
 * Finds the license of every file under `root` (absolute paths). Files with no license anywhere map to
 * undefined. Debian ownership is looked up in one batch for all files.
 */
export function findLicenses(files: readonly string[], root: string): Map<string, FoundLicense | undefined> {
  const found = new Map<string, FoundLicense | undefined>();
  const unresolved: string[] = [];
  for (const file of files) {
    const sibling = siblingLicense(file);
    const local = sibling ? join(dirname(file), sibling) : folderLicense(file, root);
    if (local) {
      const text = readFileSync(local, 'utf8');
      found.set(file, { kind: sibling ? 'sibling' : 'folder', file: local, names: licenseNames(text) });
    } else unresolved.push(file);
  }
  const realPaths = new Map(unresolved.map((file) => [file, realpathSync(file)]));
  const owners = debianOwners([...realPaths.values()]);
  for (const file of unresolved) {
    const realPath = realPaths.get(file)!;
    const debianPackage = owners.get(realPath);
    const copyright = debianPackage ? `/usr/share/doc/${debianPackage}/copyright` : undefined;
    if (!debianPackage || !copyright || !existsSync(copyright)) {
      found.set(file, undefined);
      continue;
    }
    const text = readFileSync(copyright, 'utf8');
    // DEP-5 globs name paths in the upstream tree; match them against the installed path's tail.
    const names = licenseNames(text, relative('/', realPath));
    found.set(file, { kind: 'debian', file: copyright, debianPackage, names });
  }
  return found;
}
