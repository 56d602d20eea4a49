import type { Command } from 'commander';
import { Argument } from 'commander';
import type { CliContext } from '../context.js';
import { writeOut } from '../context.js';
import { COMPLETION_SHELLS, renderCompletion } from '../completion.js';
import type { CompletionShell } from '../completion.js';

/** `flowlens completion SHELL`: the shell completion script for bash, zsh or fish. */
export function registerCompletion(program: Command, context: CliContext): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish (commands, options and their values)')
    .addArgument(new Argument('<shell>', 'the shell').choices([...COMPLETION_SHELLS]))
    .action(async (shell: CompletionShell) => {
      await writeOut(context, renderCompletion(program, shell));
    });
}
