// Runs many `v2meow` command lines in one process (node and libtorch start once) for the bad-input matrix:
//   node dist/test/cli/cliRunner.js CASES.json RESULTS.json
// CASES.json holds [{ args, cwd }]; RESULTS.json gets [{ code, stdout, stderr, ms }] in the same order. Each
// run goes through main(), the CLI's entry point, with stdout and stderr captured. Run without arguments (as
// `node --test` does for every file under test/) it does nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';

export interface CliCase {
  readonly args: string[];
  readonly cwd: string;
}

export interface CliResult {
  /** Exit code; -1 when main() threw (a crash: stderr then holds the stack). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

async function runOne({ args, cwd }: CliCase): Promise<CliResult> {
  const writes = { out: process.stdout.write, err: process.stderr.write };
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  const previous = process.cwd();
  process.chdir(cwd);
  const started = performance.now();
  let code: number;
  try {
    code = await main(args);
  } catch (error) {
    code = -1;
    stderr += (error as Error).stack ?? String(error);
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    process.chdir(previous);
  }
  return { code, stdout, stderr, ms: performance.now() - started };
}

const [casesPath, resultsPath] = process.argv.slice(2);
if (casesPath && resultsPath) {
  const cases = JSON.parse(readFileSync(casesPath, 'utf8')) as CliCase[];
  const results: CliResult[] = [];
  for (const one of cases) results.push(await runOne(one));
  writeFileSync(resultsPath, JSON.stringify(results));
  process.exit(0);
}
