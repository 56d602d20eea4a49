import { DEFAULT_FORMAT, findField, ParseError, toColumnName } from '../records/index.js';
import type { FieldDefinition } from '../records/index.js';

/** A record format: the ordered fields of each line, with their snake_case column names. */
export interface LogFormat {
  readonly fields: readonly FieldDefinition[];
  readonly columns: readonly string[];
  /** The format as AWS writes it in a header line (hyphenated names, single spaces). */
  readonly header: string;
}

/** Builds a format from hyphenated or snake_case field names; throws ParseError naming an unknown field. */
export function buildFormat(names: readonly string[]): LogFormat {
  const fields: FieldDefinition[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const field = findField(name);
    if (!field) {
      throw new ParseError('unknown-field', `unknown flow-log field "${name}"`, {
        hint: 'field names are those of AWS flow logs, e.g. version, srcaddr, log-status; run `flowlens fields` to list them',
      });
    }
    if (seen.has(field.name)) throw new ParseError('duplicate-field', `field "${field.name}" appears twice in the format`);
    seen.add(field.name);
    fields.push(field);
  }
  if (fields.length === 0) throw new ParseError('empty-format', 'the log format has no fields');
  return { fields, columns: fields.map((f) => toColumnName(f.name)), header: fields.map((f) => f.name).join(' ') };
}

/** Parses a format string: AWS's `${version} ${vpc-id} ...` syntax, or plain space-separated field names. */
export function parseFormatString(text: string): LogFormat {
  const trimmed = text.trim();
  if (trimmed.includes('$')) {
    const names: string[] = [];
    for (const token of trimmed.split(/\s+/)) {
      const match = /^\$\{([a-z0-9_-]+)\}$/i.exec(token);
      if (!match?.[1]) {
        throw new ParseError('bad-format', `"${token}" in the log format is not of the form \${field-name}`, {
          hint: "write the format as AWS does: '${version} ${account-id} ${interface-id} ...'",
        });
      }
      names.push(match[1]);
    }
    return buildFormat(names);
  }
  return buildFormat(trimmed.split(/\s+/));
}

/** The default version 2 format of CloudWatch Logs messages and header-less files. */
export const DEFAULT_LOG_FORMAT: LogFormat = buildFormat(DEFAULT_FORMAT);

/** Returns the format a line declares when it is a header line (every token a known field name), else null. */
export function detectHeader(tokens: readonly string[]): LogFormat | null {
  if (tokens.length === 0) return null;
  const first = tokens[0] ?? '';
  // Fast exit: records start with a number, an id or '-', headers with a field name.
  if (!findField(first)) return null;
  for (const token of tokens) if (!findField(token)) return null;
  try {
    return buildFormat(tokens);
  } catch {
    return null;
  }
}
