#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataFormatError } from '../data/errors.js';
import { libraryVersion } from '../models/model-file.js';
import { evaluateCommand } from './commands/evaluate.js';
import { importCommand } from './commands/import.js';
import { datasetsCommand, modelsCommand } from './commands/list.js';
import { recommendCommand } from './commands/recommend.js';
import { serveCommand } from './commands/serve.js';
import { splitCommand } from './commands/split.js';
import { trainCommand } from './commands/train.js';
import { trainStoreCommand } from './commands/train-store.js';
import { tuneCommand } from './commands/tune.js';

const program = new Command('recoder')
  .description('autoencoder recommenders for Node.js: train, evaluate and recommend')
  .version(libraryVersion())
  .exitOverride()
  .addCommand(importCommand())
  .addCommand(trainCommand())
  .addCommand(evaluateCommand())
  .addCommand(tuneCommand())
  .addCommand(recommendCommand())
  .addCommand(serveCommand())
  .addCommand(trainStoreCommand())
  .addCommand(splitCommand())
  .addCommand(modelsCommand())
  .addCommand(datasetsCommand());
for (const command of program.commands) command.exitOverride();

try {
  // Modules that register models of the user's own (registerModelFactory), loaded before the
  // command line is read so that every command — train, evaluate, serve — knows them.
  for (const module of (process.env.RECODER_MODEL_MODULES ?? '').split(',').filter((m) => m.trim() !== '')) {
    await import(pathToFileURL(resolvePath(module.trim())).href);
  }
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (usage errors, --help, --version).
    process.exitCode = error.exitCode;
  } else {
    // Bad input is the user's to fix: a clear message and exit code 1, no stack trace unless asked.
    const message = error instanceof DataFormatError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`recoder: error: ${message}\n`);
    if (process.env.RECODER_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
