#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli (compiled to dist/).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`v2meow: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
