import type { Readable, Writable } from 'node:stream';
import { redactSecrets } from '../records/redact.js';

/** The process surroundings a command runs in, injected so tests call commands directly. */
export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  stdin?: Readable | undefined;
  env: Record<string, string | undefined>;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  interactive: boolean;
  /** Set by a command to end with a non-zero exit code without throwing. */
  exitCode: number;
}

/**
 * Thrown by writeOut when stdout is closed (`| head` has read enough): the command unwinds, closing what it opened,
 * and the CLI exits quietly with the exit code it had so far.
 */
export class OutputClosedError extends Error {
  constructor() {
    super('stdout was closed');
    this.name = 'OutputClosedError';
  }
}

/** Writes text to stdout, waiting for backpressure so huge outputs stream with bounded memory; throws OutputClosedError once stdout is closed. */
export async function writeOut(context: CliContext, text: string | Uint8Array): Promise<void> {
  watchClosing(context.stdout);
  if (isClosed(context.stdout)) throw new OutputClosedError();
  if (text.length === 0) return;
  if (!context.stdout.write(text)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        context.stdout.off('drain', done);
        context.stdout.off('error', done);
        context.stdout.off('close', done);
        resolve();
      };
      context.stdout.once('drain', done);
      context.stdout.once('error', done);
      context.stdout.once('close', done);
    });
    if (isClosed(context.stdout)) throw new OutputClosedError();
  }
}

/** True once a stream can take no more writes (a write failed, e.g. EPIPE; or it was destroyed or ended). */
export function isClosed(stream: Writable): boolean {
  return failed.has(stream) || stream.destroyed || stream.writableEnded || stream.errored !== null;
}

/** Streams a write failed on: process.stdout reports EPIPE as an 'error' event and stays open for more writes. */
const failed = new WeakSet<Writable>();
const watched = new WeakSet<Writable>();

function watchClosing(stream: Writable): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  const mark = (): void => {
    failed.add(stream);
  };
  stream.on('error', mark);
  stream.on('close', mark);
}

/**
 * The width tables are fitted to: the terminal's columns when stdout is a terminal, else $COLUMNS when set, else
 * none (a table piped to a file or a pager keeps every column; `--format csv` is the format for pipes).
 */
export function tableWidth(context: CliContext): number | undefined {
  const stdout = context.stdout as Writable & { isTTY?: boolean; columns?: number };
  if (stdout.isTTY && typeof stdout.columns === 'number' && stdout.columns > 0) return stdout.columns;
  const columns = Number(context.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}

/** Writes a line to stderr (messages, warnings, summaries). */
export function writeErr(context: CliContext, line: string): void {
  // Warnings and logs quote errors of notifiers and services: URLs in them lose their credentials and tokens.
  const text = redactSecrets(line);
  context.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
