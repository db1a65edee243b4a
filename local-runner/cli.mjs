#!/usr/bin/env node
// edgepost local runner. `node local-runner/cli.mjs --help` describes every command.
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { HELP, parseCommandLine, UsageError } from './src/cli-args.mjs';
import { hasSafeWasiFlag, relaunchWithSafeWasiFlag, watchParent } from './src/relaunch.mjs';

const args = process.argv.slice(2);
let options;
try {
  options = parseCommandLine(args);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`edgepost: ${error.message}\nRun with --help for usage.\n`);
  process.exit(2);
}

if (options.command === 'help') {
  process.stdout.write(HELP);
} else if (options.command === 'serve' && !hasSafeWasiFlag()) {
  // Only serve runs thousands of instances; the one-shot commands run one or two.
  relaunchWithSafeWasiFlag(fileURLToPath(import.meta.url), args);
} else {
  const { runCommand } = await import('./src/commands.mjs');
  process.exitCode = await runCommand(options, { watchParent });
}
