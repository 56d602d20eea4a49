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

/** Writes text to stdout, waiting for backpressure so huge outputs stream with bounded memory. */
export async function writeOut(context: CliContext, text: string | Uint8Array): Promise<void> {
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
  }
}

/** Writes a line to stderr (messages, warnings, summaries). */
export function writeErr(context: CliContext, line: string): void {
  // Warnings and logs quote errors of notifiers and services: URLs in them lose their credentials and tokens.
  const text = redactSecrets(line);
  context.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
