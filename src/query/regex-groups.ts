/** A capturing group's opening in a regex: its 1-based number, its name when named, and the text that opens it. */
export interface CapturingGroupOpening {
  number: number;
  name: string | undefined;
  /** `(`, `(?<name>` or `(?P<name>`. */
  text: string;
}

/**
 * The pattern with the opening of every capturing group replaced by what `replace` returns; escapes, character
 * classes (a `]` right after `[` or `[^` is a member) and non-capturing groups `(?…` are copied as they are.
 */
export function mapCapturingGroups(pattern: string, replace: (group: CapturingGroupOpening) => string): string {
  let out = '';
  let number = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      const start = pattern[i + 1] === '^' ? i + 2 : i + 1;
      const end = pattern[start] === ']' ? start : i;
      out += pattern.slice(i, end + 1);
      i = end;
      continue;
    }
    const named = c === '(' ? /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i)) : null;
    if (c !== '(' || (pattern[i + 1] === '?' && !named)) {
      out += c;
      continue;
    }
    number++;
    const text = named ? named[0] : '(';
    out += replace({ number, name: named?.[1], text });
    i += text.length - 1;
  }
  return out;
}
