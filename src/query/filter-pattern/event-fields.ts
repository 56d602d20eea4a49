/** One field of a space-delimited event: its value and where it starts in the line. */
export interface EventField {
  value: string;
  start: number;
}

/**
 * Splits an event into fields the way space-delimited patterns see it: runs of whitespace separate fields,
 * and text between `[`…`]` or `"`…`"` at the start of a field is one field with the delimiters removed
 * (FPS: `$request = GET /index.html HTTP/1.0`, `$timestamp = 10/Oct/2000:13:25:15 -0700`). An opening
 * bracket or quote without its closer is ordinary text.
 */
export function splitEventFields(line: string): EventField[] {
  const fields: EventField[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    const c = line[i];
    const closer = c === '"' ? '"' : c === '[' ? ']' : undefined;
    const close = closer === undefined ? -1 : line.indexOf(closer, i + 1);
    if (close > 0) {
      fields.push({ value: line.slice(i + 1, close), start });
      i = close + 1;
      continue;
    }
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    fields.push({ value: line.slice(start, i), start });
  }
  return fields;
}

/** The text of a line from `start` to its end, without trailing whitespace: the value of an absorbing last field. */
export function restOfLine(line: string, start: number): string {
  return line.slice(start).trimEnd();
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 11 || code === 12;
}
