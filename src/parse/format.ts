import { ALL_FIELDS, closestName, DEFAULT_FORMAT, findField, ParseError, toColumnName } from '../records/index.js';
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

/** Why a header-like line is not a valid header: an unknown or repeated field name. */
export interface HeaderProblem {
  readonly code: 'unknown-field' | 'duplicate-field';
  readonly message: string;
  readonly hint: string;
}

// Header tokens are field-name-like words; record lines hold numbers, addresses and ids instead.
const NAME_LIKE = /^[a-z][a-z0-9_-]*$/i;

/**
 * Returns the format a line declares when it is a header line (every token a known field name, none
 * twice), a HeaderProblem when it looks like a header (only words, at least half of them field names)
 * but names an unknown field or one field twice, else null (a record line).
 */
export function inspectHeader(tokens: readonly string[]): LogFormat | HeaderProblem | null {
  if (tokens.length === 0) return null;
  let known = 0;
  for (const token of tokens) {
    if (findField(token)) known++;
    else if (!NAME_LIKE.test(token)) return null;
  }
  if (known * 2 < tokens.length || known === 0) return null;
  const seen = new Set<string>();
  for (const token of tokens) {
    const field = findField(token);
    if (!field) {
      const closest = closestFieldName(token);
      return {
        code: 'unknown-field',
        message: `the header line names an unknown field "${token}"${closest ? ` (did you mean "${closest}"?)` : ''}`,
        hint: 'fix the header line (it must list the fields of the records below it), or remove it and pass --log-format; `flowlens fields` lists the field names',
      };
    }
    if (seen.has(field.name)) {
      return {
        code: 'duplicate-field',
        message: `the header line names the field "${field.name}" twice`,
        hint: 'fix the header line: each field appears once, in the order of the values in the records below it',
      };
    }
    seen.add(field.name);
  }
  return buildFormat(tokens);
}

/** Returns the format a line declares when it is a valid header line, else null. */
export function detectHeader(tokens: readonly string[]): LogFormat | null {
  const result = inspectHeader(tokens);
  return result !== null && 'fields' in result ? result : null;
}

/** The known field name closest to a misspelt one (edit distance at most a third of its length, at least 2), if any. */
export function closestFieldName(name: string): string | undefined {
  return closestName(name.replaceAll('_', '-'), ALL_FIELDS.map((field) => field.name));
}
