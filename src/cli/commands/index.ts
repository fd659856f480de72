// Registry of subcommands: one file per command in this folder, one line each here.
import type { Command } from '../command.js';
import { codecCommand } from './codec.js';
import { corpusCommand } from './corpus.js';
import { datasetCommand } from './dataset.js';
import { evalCommand } from './eval.js';
import { featuresCommand } from './features.js';
import { generateCommand } from './generate.js';
import { inspectCommand } from './inspect.js';
import { modelsCommand } from './models.js';
import { plotCommand } from './plot.js';
import { rhythmCommand } from './rhythm.js';
import { serveCommand, workerCommand } from './serve.js';
import { studyCommand } from './study.js';
import { styleCommand } from './style.js';
import { tokensCommand } from './tokens.js';
import { trainCommand } from './train.js';

export const commands: Command[] = [
  codecCommand,
  corpusCommand,
  datasetCommand,
  evalCommand,
  featuresCommand,
  generateCommand,
  inspectCommand,
  modelsCommand,
  plotCommand,
  rhythmCommand,
  serveCommand,
  studyCommand,
  styleCommand,
  tokensCommand,
  trainCommand,
  workerCommand,
];
