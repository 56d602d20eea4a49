import { Command, CommanderError } from 'commander';
import type { Readable, Writable } from 'node:stream';
import { FlowlensError, formatError, UsageError } from '../records/index.js';
import { COMMANDS } from './commands/index.js';
import type { CliContext } from './context.js';
import { addHelpExamples } from './help-examples.js';
import { packageVersion } from './package-version.js';
import { OutputClosedError } from './context.js';

/** What runCli needs from the process: arguments (without node and script), streams and environment. */
export interface RunCliOptions {
  argv: readonly string[];
  stdout: Writable;
  stderr: Writable;
  stdin?: Readable | undefined;
  env?: Record<string, string | undefined>;
  interactive?: boolean;
}

/** Runs the flowlens CLI and returns its exit code: 0 ok, 1 failure, 2 usage error. */
export async function runCli(options: RunCliOptions): Promise<number> {
  const context: CliContext = {
    stdout: options.stdout,
    stderr: options.stderr,
    stdin: options.stdin,
    env: options.env ?? process.env,
    interactive: options.interactive ?? false,
    exitCode: 0,
  };
  const program = new Command('flowlens')
    .description('Turn AWS VPC Flow Logs into answers: parse, store, query, graph, alert.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => options.stdout.write(text),
      writeErr: (text) => options.stderr.write(text),
    });
  for (const register of COMMANDS) register(program, context);
  addHelpExamples(program);
  for (const command of program.commands) command.exitOverride().configureOutput({
    writeOut: (text) => options.stdout.write(text),
    writeErr: (text) => options.stderr.write(text),
  });
  try {
    await program.parseAsync([...options.argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    return handleError(error, context);
  }
}

// Errors in what the user typed (a query, a pattern) exit like usage errors.
/** Codes of errors in what the user typed (a query, a pattern, a field): exit code 2 like other usage errors. */
const USER_INPUT_CODES = new Set(['read-only', 'syntax', 'unknown-field', 'bad-regex', 'bad-cidr', 'unsupported', 'unsupported-pattern', 'unknown-report', 'bad-format', 'duplicate-field', 'empty-format', 'rules-invalid', 'rules-not-found']);

function handleError(error: unknown, context: CliContext): number {
  // The reader of stdout went away (`| head`): not a failure, nothing to say.
  if (error instanceof OutputClosedError) return context.exitCode;
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    if (error.code === 'commander.executeSubCommandAsync') return 0;
    return 2; // commander already printed the message
  }
  context.stderr.write(`${formatError(error)}\n`);
  if (error instanceof UsageError) return 2;
  if (error instanceof FlowlensError && USER_INPUT_CODES.has(error.code)) return 2;
  if (!(error instanceof FlowlensError) && context.env.FLOWLENS_DEBUG && error instanceof Error) context.stderr.write(`${error.stack}\n`);
  return 1;
}
