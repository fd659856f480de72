// Registry of subcommands: one file per command in this folder, one line each here.
import type { Command } from '../command.js';

export const commands: Command[] = [];
