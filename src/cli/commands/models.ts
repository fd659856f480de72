// `v2meow models list | verify | fetch`: the external pretrained files in the project's manifest, where the
// model store finds them, whether they are intact, and downloading them (upstream GitHub raw URLs, or a
// mirror via --from) into the user cache or --dir.
import { parseArgs } from 'node:util';
import { manifestEntry, modelManifest } from '../../weights/manifest.js';
import { fetchModel } from '../../weights/modelFetch.js';
import { listModels, modelSearchPath, modelStatus, userCacheDir } from '../../weights/modelStore.js';
import { type Command, UsageError } from '../command.js';

const usage = `usage: v2meow models list [--json]
       v2meow models verify [ID...]
       v2meow models fetch [ID...] [--from BASE_URL] [--dir DIR] [--force]

list     every model in the manifest: id, license, size, and where it was found (or 'missing')
verify   checks size and sha256 of each model (all by default); exit code 1 if any is missing or corrupt
fetch    downloads models (all missing ones by default) from their upstream URLs, checks sha256, and writes
         them to DIR (default: the user cache, ${userCacheDir()})
         --from BASE_URL  a mirror laid out like a model folder (http://..., https://... or file:///...)
         --force          download even when an intact copy is already found

Search order: $V2MEOW_MODELS, the user cache ($XDG_CACHE_HOME/v2meow/models), the shared mirror beside the
checkout (../shared/models).`;

function entriesFor(ids: string[]) {
  try {
    return ids.length === 0 ? [...modelManifest] : ids.map(manifestEntry);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function list(json: boolean): Promise<number> {
  const statuses = listModels();
  if (json) {
    const rows = statuses.map((s) => ({ ...s.entry, status: s.status, path: s.path ?? null }));
    process.stdout.write(`${JSON.stringify({ searchPath: modelSearchPath(), models: rows }, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...statuses.map((s) => s.entry.id.length));
  for (const s of statuses) {
    const size = `${(s.entry.bytes / 1e6).toFixed(2)} MB`.padStart(9);
    const where = s.status === 'ok' ? s.path : s.status;
    process.stdout.write(`${s.entry.id.padEnd(width)}  ${s.entry.license.padEnd(10)} ${size}  ${where}\n`);
  }
  return 0;
}

function verify(ids: string[]): number {
  let bad = 0;
  for (const entry of entriesFor(ids)) {
    const s = modelStatus(entry);
    if (s.status !== 'ok') bad++;
    const detail = s.status === 'missing' ? 'not found' : s.path;
    process.stdout.write(`${s.status.padEnd(7)} ${entry.id}  ${detail}\n`);
  }
  return bad === 0 ? 0 : 1;
}

async function fetchAll(ids: string[], from: string | undefined, dir: string | undefined, force: boolean) {
  const destinationDir = dir ?? userCacheDir();
  let failed = 0;
  for (const entry of entriesFor(ids)) {
    if (!force && modelStatus(entry).status === 'ok') {
      process.stderr.write(`have    ${entry.id}\n`);
      continue;
    }
    try {
      const path = await fetchModel(entry, { destinationDir, mirrorBaseUrl: from });
      process.stdout.write(`fetched ${entry.id}  ${path}\n`);
    } catch (error) {
      failed++;
      process.stderr.write(`failed  ${entry.id}: ${(error as Error).message}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list, verify and fetch the pretrained models (YAMNet, MobileNet, MoveNet, MusiCNN, Lyra)',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        from: { type: 'string' },
        dir: { type: 'string' },
        force: { type: 'boolean' },
      },
    });
    const [action, ...ids] = positionals;
    if (action === 'list') return list(values.json ?? false);
    if (action === 'verify') return verify(ids);
    if (action === 'fetch') return fetchAll(ids, values.from, values.dir, values.force ?? false);
    throw new UsageError(action ? `unknown action '${action}'` : 'expected list, verify or fetch');
  },
};
