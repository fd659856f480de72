// `v2meow` entry point: dispatches to a subcommand from ./commands. Every failure ends here as one line on
// stderr: usage errors (bad flags, values out of range) exit 2, errors about files and data exit 1.
import { V2meowError } from '../errors.js';
import { toV2meowError } from '../util/fileErrors.js';
import { UsageError } from './command.js';
import { commands } from './commands/index.js';

/** parseArgs reports unknown options, missing and ambiguous values as errors with an ERR_PARSE_ARGS_ code. */
function isParseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** A message on one line (parseArgs puts its hints on further lines). */
const oneLine = (message: string) =>
  message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join(' ');

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: v2meow <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'v2meow <command> --help for details',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`v2meow: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (caught) {
    if (caught instanceof UsageError || isParseError(caught)) {
      process.stderr.write(
        `v2meow ${name}: ${oneLine((caught as Error).message)} (see v2meow ${name} --help)\n`,
      );
      return 2;
    }
    const error = toV2meowError(caught);
    if (error instanceof V2meowError) {
      process.stderr.write(`v2meow ${name}: ${oneLine(error.message)}\n`);
      return 1;
    }
    throw error;
  }
}
