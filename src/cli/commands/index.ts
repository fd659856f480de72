// Registry of subcommands: one file per command in this folder, one line each here.
import type { Command } from '../command.js';
import { corpusCommand } from './corpus.js';
import { inspectCommand } from './inspect.js';
import { modelsCommand } from './models.js';
import { studyCommand } from './study.js';

export const commands: Command[] = [corpusCommand, inspectCommand, modelsCommand, studyCommand];
