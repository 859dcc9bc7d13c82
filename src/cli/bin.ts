#!/usr/bin/env node
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';
import { runCli } from './main.js';

const io: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  exitCode: EXIT.OK,
};
process.exitCode = await runCli(process.argv.slice(2), io);
