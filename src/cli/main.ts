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
import { printable } from './output.js';
import { stopAllProgress } from './progress.js';

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
// Commander prints its own usage errors (unknown option, missing argument, a bad option value) before
// throwing; an InvalidArgumentError or CommanderError thrown from inside an action is not printed by it.
// Note which were printed, so every failure ends with exactly one message.
let commanderPrinted = false;
const output = {
  outputError: (text: string, write: (text: string) => void) => {
    commanderPrinted = true;
    write(text);
  },
};
program.configureOutput(output);
for (const command of program.commands) command.exitOverride().configureOutput(output);

/** Commander's codes for --help, --version and a bare command showing its help: nothing more to say. */
const SHOWN_HELP = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help', 'commander.executeSubCommandAsync']);

try {
  // Modules that register models of the user's own (registerModelFactory), loaded before the
  // command line is read so that every command — train, evaluate, serve — knows them.
  for (const module of (process.env.RECODER_MODEL_MODULES ?? '').split(',').filter((m) => m.trim() !== '')) {
    await import(pathToFileURL(resolvePath(module.trim())).href);
  }
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError && (commanderPrinted || SHOWN_HELP.has(error.code))) {
    process.exitCode = error.exitCode;
  } else if (error instanceof CommanderError) {
    process.stderr.write(`recoder: error: ${printable(error.message.replace(/^error: /, ''))}\n`);
    process.exitCode = error.exitCode === 0 ? 1 : error.exitCode;
  } else if (error instanceof Error && error.name === 'AbortError') {
    // Ctrl-C or SIGTERM: the command said what it leaves behind; 130 is the shell's code for SIGINT.
    stopAllProgress();
    process.stderr.write('recoder: cancelled\n');
    process.exitCode = 130;
  } else {
    // Bad input is the user's to fix: a clear message and exit code 1, no stack trace unless asked.
    const message = error instanceof DataFormatError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`recoder: error: ${printable(message)}\n`);
    if (process.env.RECODER_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
} finally {
  // A live progress bar's redraw timer would keep the process running after a failure.
  stopAllProgress();
}
