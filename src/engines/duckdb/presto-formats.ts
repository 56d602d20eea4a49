import { QueryError } from '../../records/index.js';
import { sqlLiteral } from '../../sql/index.js';

// Joda-Time pattern letters (Presto parse_datetime/format_datetime) → strftime, longest run first.
const JODA: Record<string, string> = {
  yyyy: '%Y', yy: '%y', y: '%Y', YYYY: '%Y', MMMM: '%B', MMM: '%b', MM: '%m', M: '%m', dd: '%d', d: '%d',
  HH: '%H', H: '%H', hh: '%I', h: '%I', mm: '%M', m: '%M', ss: '%S', s: '%S', SSS: '%g', SSSSSS: '%f',
  EEEE: '%A', EEE: '%a', E: '%a', a: '%p', Z: '%z', ZZ: '%z', ZZZ: '%Z', z: '%Z', DDD: '%j', D: '%j',
};

// MySQL format specifiers (Presto date_parse/date_format) → strftime.
const MYSQL: Record<string, string> = {
  '%Y': '%Y', '%y': '%y', '%m': '%m', '%c': '%m', '%d': '%d', '%e': '%d', '%H': '%H', '%k': '%H', '%h': '%I',
  '%I': '%I', '%l': '%I', '%i': '%M', '%s': '%S', '%S': '%S', '%f': '%f', '%p': '%p', '%b': '%b', '%M': '%B',
  '%a': '%a', '%W': '%A', '%j': '%j', '%T': '%H:%M:%S', '%r': '%I:%M:%S %p', '%%': '%%',
};

/** Translates a Joda-Time format (Presto `parse_datetime`) to strftime; quoted text stays literal. */
export function jodaToStrftime(format: string): string {
  let out = '';
  for (let i = 0; i < format.length; ) {
    const c = format[i] ?? '';
    if (c === "'") {
      const close = format.indexOf("'", i + 1);
      const literal = close < 0 ? format.slice(i + 1) : format.slice(i + 1, close);
      out += literal === '' ? "'" : literal.replaceAll('%', '%%');
      i = close < 0 ? format.length : close + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (format[j] === c) j++;
      const run = format.slice(i, j);
      const mapped = JODA[run];
      if (mapped === undefined) {
        throw new QueryError('unsupported', `Joda-Time pattern "${run}" in "${format}" is not supported`, {
          hint: 'supported: yyyy yy MMMM MMM MM M dd d HH H hh h mm m ss s SSS EEEE EEE a Z ZZ DDD, and quoted text',
        });
      }
      out += mapped;
      i = j;
      continue;
    }
    out += c === '%' ? '%%' : c;
    i++;
  }
  return out;
}

/** Translates a MySQL-style format (Presto `date_parse`/`date_format`) to strftime. */
export function mysqlToStrftime(format: string): string {
  return format.replace(/%./g, (spec) => {
    const mapped = MYSQL[spec];
    if (mapped === undefined) {
      throw new QueryError('unsupported', `date format specifier ${spec} in "${format}" is not supported`, {
        hint: `supported: ${Object.keys(MYSQL).join(' ')}`,
      });
    }
    return mapped;
  });
}

const CALLS: Record<string, (format: string) => string> = {
  parse_datetime: jodaToStrftime,
  format_datetime: jodaToStrftime,
  date_parse: mysqlToStrftime,
  date_format: mysqlToStrftime,
};

/**
 * Rewrites the format literal of Presto date calls (`parse_datetime(x, 'dd/MMM/yyyy')`) into the strftime format
 * the DuckDB macros of the same name take. Text inside string literals, quoted identifiers and comments is left alone.
 */
export function rewritePrestoFormats(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (c === "'" || c === '"') {
      const end = skipQuoted(sql, i);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(sql.slice(i, i + 40));
    if (match && (i === 0 || !/[A-Za-z0-9_.]/.test(sql[i - 1] ?? ''))) {
      const name = (match[1] ?? '').toLowerCase();
      const translate = CALLS[name];
      const open = i + match[0].length - 1;
      if (translate) {
        const rewritten = rewriteCall(sql, open, translate);
        if (rewritten) {
          out += sql.slice(i, open) + rewritten.text;
          i = rewritten.end;
          continue;
        }
      }
      out += sql.slice(i, open + 1);
      i = open + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Rewrites `( arg1 , 'format' )` starting at the open parenthesis; undefined when the format is not a literal. */
function rewriteCall(sql: string, open: number, translate: (format: string) => string): { text: string; end: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < sql.length; ) {
    const c = sql[i] ?? '';
    if (c === "'" || c === '"') {
      i = skipQuoted(sql, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if ((c === ',' && depth === 0) || (c === ')' && depth === 0)) {
      args.push(sql.slice(start, i));
      start = i + 1;
      if (c === ')') {
        const format = args[1]?.trim();
        if (args.length !== 2 || !format || !/^'([^']|'')*'$/.test(format)) return undefined;
        const strftime = translate(format.slice(1, -1).replaceAll("''", "'"));
        const first = rewritePrestoFormats(args[0] ?? '');
        return { text: `(${first}, ${sqlLiteral(strftime)})`, end: i + 1 };
      }
    }
    i++;
  }
  return undefined;
}

function skipQuoted(sql: string, start: number): number {
  const quote = sql[start];
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
