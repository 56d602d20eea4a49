#!/usr/bin/env node
import { runCli } from '../src/cli/run-cli.js';

// A closed stdout (`| head`) is an 'error' event: the CLI sees the stream closed and stops quietly.
process.stdout.on('error', () => undefined);
// The only place that exits the process: the CLI itself returns an exit code.
const code = await runCli({
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  interactive: Boolean(process.stderr.isTTY),
});
process.exitCode = code;
