import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { renderCompletion } from '../../src/cli/completion.js';
import type { CliContext } from '../../src/cli/context.js';
import { commandPaths, HELP_EXAMPLES } from '../../src/cli/help-examples.js';
import { runFlowlens } from '../helpers/cli.js';
import { V2_HEADER } from '../helpers/temp-store.js';

/** The program with every command registered and every action replaced by a no-op, so examples only parse. */
function parsingProgram(): Command {
  const context = { stdout: process.stdout, stderr: process.stderr, env: {}, interactive: false, exitCode: 0 } as unknown as CliContext;
  const program = new Command('flowlens').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  for (const register of COMMANDS) register(program, context);
  const visit = (command: Command): void => {
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
      if (sub.commands.length === 0) sub.action(() => undefined);
      visit(sub);
    }
  };
  visit(program);
  return program;
}

/** The flowlens words of an example line: after the last `| flowlens`, up to a pipe or redirection, quotes removed. */
function exampleArgs(example: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of example.slice(example.lastIndexOf('flowlens ')).matchAll(pattern)) {
    const bare = match[3];
    if (bare === '|' || bare === '>' || bare === '2>') break;
    words.push(match[1] ?? match[2]?.replace(/\\(.)/g, '$1') ?? bare ?? '');
  }
  return words.slice(1);
}

describe('flowlens --help examples', () => {
  const paths = commandPaths(parsingProgram());

  it('has examples for every command and subcommand', () => {
    expect(paths.filter((path) => !HELP_EXAMPLES[path]?.length)).toEqual([]);
  });

  it.each(paths)('shows an Examples section in `%s --help`', async (path) => {
    const run = await runFlowlens([...path.split(' '), '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\nExamples:\n  $ flowlens ');
  });

  it.each(Object.entries(HELP_EXAMPLES).flatMap(([path, examples]) => examples.map((example) => [path, example] as const)))('%s: `%s` parses', async (_path, example) => {
    await expect(parsingProgram().parseAsync(exampleArgs(example), { from: 'user' })).resolves.toBeDefined();
  });

  it('prints the version of package.json', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const run = await runFlowlens(['--version']);
    expect(run.stdout.trim()).toBe(manifest.version);
  });

  it('suggests the closest report name for a misspelt one', async () => {
    const run = await runFlowlens(['report', 'top-talker', '--db', join(mkdtempSync(join(tmpdir(), 'flowlens-help-')), 'x.duckdb')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('did you mean "top-talkers"?');
  });
});

describe('flowlens ingest --format csv', () => {
  it('prints the summary as one CSV row with a header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-ingest-csv-'));
    writeFileSync(join(dir, 'a.log'), `${V2_HEADER}\n2 123456789012 eni-1 10.0.0.1 10.0.0.2 1234 443 6 10 840 1714521600 1714521660 ACCEPT OK\n`);
    const run = await runFlowlens(['ingest', join(dir, 'a.log'), '--db', join(dir, 'x.duckdb'), '--format', 'csv']);
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.trim().split('\n');
    const fields = (header ?? '').split(',');
    expect(fields).toEqual(expect.arrayContaining(['db', 'records', 'badLines', 'units', 'rollup_units']));
    expect((row ?? '').split(',')[fields.indexOf('records')]).toBe('1');
  });

  it('says in its help that --db is where records are stored', async () => {
    const run = await runFlowlens(['ingest', '--help']);
    expect(run.stdout).toMatch(/--db <path>\s+database file to store the records in/);
    expect(run.stdout).not.toContain('database file to read when no SOURCE is given');
  });
});

describe('flowlens completion', () => {
  const script = (shell: 'bash' | 'zsh' | 'fish'): string => renderCompletion(parsingProgram(), shell);
  const hasShell = (shell: string): boolean => spawnSync(shell, ['-c', 'true']).status === 0;

  /** Runs the bash completion function for a command line whose last word is being completed. */
  function completeInBash(words: string[]): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-completion-'));
    writeFileSync(join(dir, 'flowlens.bash'), script('bash'));
    const array = words.map((w) => `'${w}'`).join(' ');
    const out = execFileSync('bash', ['-c', `source ${join(dir, 'flowlens.bash')}; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _flowlens_complete; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  }

  it('writes bash that completes commands, subcommands, options and option values', () => {
    expect(completeInBash(['flowlens', 'al'])).toEqual(['alerts']);
    expect(completeInBash(['flowlens', 'alerts', 'de'])).toEqual(['deploy']);
    expect(completeInBash(['flowlens', 'ingest', '--for'])).toEqual(['--format']);
    expect(completeInBash(['flowlens', 'ingest', '--format', ''])).toEqual(['table', 'json', 'ndjson', 'csv']);
    expect(completeInBash(['flowlens', 'completion', ''])).toEqual(expect.arrayContaining(['--help']));
  });

  it('writes zsh on bashcompinit and fish complete lines for every command', () => {
    expect(script('zsh')).toMatch(/^#compdef flowlens\n/);
    expect(script('zsh')).toContain('bashcompinit');
    const fish = script('fish');
    for (const path of commandPaths(parsingProgram())) expect(fish).toContain(`-a '${path.split(' ').at(-1)}'`);
    expect(fish).toContain("-l format -s f -x -a 'table json ndjson csv'");
  });

  it.runIf(hasShell('zsh'))('writes zsh that zsh parses', () => {
    expect(spawnSync('zsh', ['-n'], { input: script('zsh') }).status).toBe(0);
  });

  it.runIf(hasShell('fish'))('writes fish that fish parses', () => {
    expect(spawnSync('fish', ['--no-execute'], { input: script('fish') }).status).toBe(0);
  });
});
