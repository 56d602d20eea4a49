import { mapCapturingGroups } from '../regex-groups.js';
import { insightsError } from './errors.js';

/**
 * Checks an Insights regex for what the SQL engines' RE2 accepts: valid syntax, no lookaround, no backreference.
 * Throws 'bad-regex' with the position of the regex in the query.
 */
export function checkRegex(pattern: string, query: string, pos: number): void {
  if (/\(\?<?[=!]/.test(pattern)) {
    throw insightsError('bad-regex', `regular expression /${pattern}/ uses lookaround, which the SQL engines (RE2) do not support`, query, pos);
  }
  if (/(^|[^\\])\\[1-9]/.test(pattern)) {
    throw insightsError('bad-regex', `regular expression /${pattern}/ uses a backreference, which the SQL engines (RE2) do not support`, query, pos);
  }
  try {
    // JS has no inline flag groups such as (?i); they are valid RE2, so they are removed before the check.
    new RegExp(pattern.replace(/\(\?[imsU]+\)/g, '').replace(/\(\?P</g, '(?<'));
  } catch (error) {
    throw insightsError('bad-regex', `bad regular expression /${pattern}/: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`, query, pos);
  }
}

/** Turns named groups into plain groups and returns each name's 1-based group number. */
export function numberNamedGroups(pattern: string): { pattern: string; groups: Map<string, number> } {
  const groups = new Map<string, number>();
  const out = mapCapturingGroups(pattern, (opening) => {
    if (opening.name !== undefined) groups.set(opening.name, opening.number);
    return '(';
  });
  return { pattern: out, groups };
}

/** The regex of a parse glob: literal text escaped, each `*` a lazy group, the last one greedy when it ends the glob. */
export function globToRegex(glob: string): string {
  const parts = glob.split('*');
  return parts
    .map((part, i) => {
      const literal = part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (i === parts.length - 1) return literal;
      const last = i === parts.length - 2 && parts[parts.length - 1] === '';
      return `${literal}${last ? '(.*)' : '(.*?)'}`;
    })
    .join('');
}
