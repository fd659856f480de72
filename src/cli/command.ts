// The shape every `v2meow` subcommand has: a name, a one-line summary, and a run function that takes the
// remaining arguments. Subcommands parse with node:util parseArgs and call the same library functions
// that library users and the web server call.

export interface Command {
  /** Subcommand word, e.g. `rhythm`. */
  readonly name: string;
  /** One line for `v2meow --help`. */
  readonly summary: string;
  /** Full usage text printed by `v2meow NAME --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** An error whose message is meant for the user as is (no stack trace). */
export class UsageError extends Error {
  override name = 'UsageError';
}
