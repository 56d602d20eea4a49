import type { Command, Option } from 'commander';

/** The shells `flowlens completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

/** A shell `flowlens completion` supports. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface CommandNode {
  path: string;
  description: string;
  subcommands: string[];
  options: { flags: string[]; description: string; choices: readonly string[] | undefined; takesValue: boolean }[];
}

/** Renders the completion script of `program` for a shell: subcommands at every level, each command's options and their choices. */
export function renderCompletion(program: Command, shell: CompletionShell): string {
  const nodes = commandNodes(program);
  if (shell === 'fish') return renderFish(program.name(), nodes);
  const bash = renderBash(program.name(), nodes);
  // zsh runs the bash function through bashcompinit, as the AWS CLI's zsh completer does.
  return shell === 'zsh' ? `#compdef ${program.name()}\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}

function commandNodes(program: Command): CommandNode[] {
  const nodes: CommandNode[] = [];
  const visit = (command: Command, path: string): void => {
    nodes.push({
      path,
      description: command.description(),
      subcommands: command.commands.map((c) => c.name()),
      options: [...command.options, ...helpOption()].map((o: Option | HelpOption) => ({
        flags: [o.long, o.short].filter((f): f is string => typeof f === 'string'),
        description: o.description,
        choices: 'argChoices' in o ? o.argChoices : undefined,
        takesValue: 'required' in o ? Boolean(o.required || o.optional) : false,
      })),
    });
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, '');
  return nodes;
}

interface HelpOption {
  long: string;
  short: string;
  description: string;
}

function helpOption(): HelpOption[] {
  return [{ long: '--help', short: '-h', description: 'display help for command' }];
}

function renderBash(name: string, nodes: readonly CommandNode[]): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  const words = (node: CommandNode): string => [...node.subcommands, ...node.options.flatMap((o) => o.flags)].join(' ');
  const cases = nodes.map((node) => `    ${shellQuote(node.path)}) words=${shellQuote(words(node))} ;;`).join('\n');
  const valueCases = nodes
    .flatMap((node) => node.options.filter((o) => o.takesValue).flatMap((o) => o.flags.map((flag) => ({ key: `${node.path}|${flag}`, choices: o.choices }))))
    .map(({ key, choices }) => (choices ? `    ${shellQuote(key)}) COMPREPLY=($(compgen -W ${shellQuote(choices.join(' '))} -- "$cur")); return ;;` : `    ${shellQuote(key)}) return ;;`))
    .join('\n');
  const subcommands = nodes.filter((n) => n.subcommands.length > 0).map((n) => `    ${shellQuote(n.path)}) subs=${shellQuote(n.subcommands.join(' '))} ;;`).join('\n');
  return `# ${name} completion for bash (flowlens completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" words="" subs="" i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    subs=""
    case "$path" in
${subcommands}
    esac
    if [[ " $subs " == *" $word "* ]]; then path="\${path:+$path }$word"; fi
  done
  (( COMP_CWORD > 1 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$path|$prev" in
${valueCases}
  esac
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

function renderFish(name: string, nodes: readonly CommandNode[]): string {
  const lines = [`# ${name} completion for fish (flowlens completion fish)`, `complete -c ${name} -f`];
  const all = nodes.filter((n) => n.path !== '').map((n) => n.path.split(' ').at(-1) as string);
  const condition = (path: string): string => {
    if (path === '') return `not __fish_seen_subcommand_from ${[...new Set(all)].join(' ')}`;
    const parts = path.split(' ');
    return parts.map((p) => `__fish_seen_subcommand_from ${p}`).join('; and ');
  };
  for (const node of nodes) {
    for (const sub of node.subcommands) {
      const child = nodes.find((n) => n.path === (node.path ? `${node.path} ${sub}` : sub));
      lines.push(`complete -c ${name} -n ${shellQuote(condition(node.path))} -a ${shellQuote(sub)} -d ${shellQuote(short(child?.description ?? ''))}`);
    }
    for (const option of node.options) {
      const long = option.flags.find((f) => f.startsWith('--'))?.slice(2);
      const shortFlag = option.flags.find((f) => /^-[^-]/.test(f))?.slice(1);
      const parts = [`complete -c ${name} -n ${shellQuote(condition(node.path))}`];
      if (long) parts.push(`-l ${long}`);
      if (shortFlag) parts.push(`-s ${shortFlag}`);
      if (option.choices) parts.push(`-x -a ${shellQuote(option.choices.join(' '))}`);
      else if (option.takesValue) parts.push('-r -F');
      parts.push(`-d ${shellQuote(short(option.description))}`);
      lines.push(parts.join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}

function short(text: string): string {
  const first = text.split(/[;(]/)[0]?.trim() ?? '';
  return first.length > 70 ? `${first.slice(0, 69)}…` : first;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
