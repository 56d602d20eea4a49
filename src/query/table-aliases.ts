import { UsageError } from '../records/index.js';
import { quoteIdentifier } from '../sql/index.js';

/** What a user's table name stands for: the flows (as the Athena-style `vpc_flow_logs` view), S3 access logs or CloudTrail. */
export type AliasTarget = 'flows' | 's3_access' | 'cloudtrail';

/** A user's table name (optionally `database.table`, as in their Athena queries) mapped to a flowlens table. */
export interface TableAlias {
  /** The database the name is qualified with in the user's SQL, lowercase; undefined when none. */
  database: string | undefined;
  /** The table name, as written (matched case-insensitively, like Athena). */
  table: string;
  target: AliasTarget;
}

// The relation each target reads: flows through the Athena-style view, which adds the partition columns
// (dt, year, month, day, hour) and the seeds' column names; the log tables as they are (they have theirs).
const TARGET_RELATIONS: Record<AliasTarget, string> = { flows: 'vpc_flow_logs', s3_access: 's3_access', cloudtrail: 'cloudtrail' };
const TARGET_NAMES: Record<string, AliasTarget> = { flows: 'flows', vpc_flow_logs: 'flows', s3_access: 's3_access', cloudtrail: 'cloudtrail' };

// Athena's default database and data catalog: names qualified with them are always accepted.
const ATHENA_QUALIFIERS = ['default', 'awsdatacatalog'];

/** Parses `NAME=TARGET` specs (`--table-alias vpc_flow_logs_db.fl06=flows`); TARGET is flows, vpc_flow_logs, s3_access or cloudtrail. */
export function parseTableAliases(specs: readonly string[]): TableAlias[] {
  return specs.map((spec) => {
    const equals = spec.lastIndexOf('=');
    const name = equals > 0 ? spec.slice(0, equals).trim() : '';
    const target = TARGET_NAMES[spec.slice(equals + 1).trim().toLowerCase()];
    if (!name || !target || /[\s;'"]/.test(name)) {
      throw new UsageError(`--table-alias "${spec}" is not NAME=TARGET`, {
        hint: 'write --table-alias vpc_flow_logs_db.my_table=flows; TARGET is flows, s3_access or cloudtrail',
      });
    }
    const dot = name.lastIndexOf('.');
    return dot > 0 ? { database: name.slice(0, dot).toLowerCase(), table: name.slice(dot + 1), target } : { database: undefined, table: name, target };
  });
}

/**
 * The statements that make the aliases exist on a connection: one TEMP view per alias name (TEMP views can be
 * created on a read-only database too, and only the connection that made them sees them).
 */
export function tableAliasStatements(aliases: readonly TableAlias[]): string[] {
  return aliases.map((alias) => `CREATE OR REPLACE TEMP VIEW ${quoteIdentifier(alias.table)} AS SELECT * FROM ${TARGET_RELATIONS[alias.target]}`);
}

/**
 * The user's SQL with database qualifiers removed from table names that exist here: `"default"."vpc_flow_logs"`,
 * `default.vpc_flow_logs`, `awsdatacatalog.default.flows` and `db.table` for an alias of `db.table` become the bare
 * name. Strings, quoted identifiers and comments are read as DuckDB reads them, so nothing else changes; a qualified
 * name whose table is unknown is left for DuckDB to report.
 */
export function stripDatabaseQualifiers(sql: string, aliases: readonly TableAlias[]): string {
  const qualifiers = new Set([...ATHENA_QUALIFIERS, ...aliases.flatMap((a) => (a.database ? a.database.split('.') : []))]);
  const tables = new Set([...Object.keys(TARGET_NAMES), ...aliases.map((a) => a.table.toLowerCase())]);
  const tokens = tokenize(sql);
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    // A chain q1.[q2.]table whose qualifiers are all known and whose table exists: keep only the table.
    let j = i;
    while (isName(tokens[j]) && qualifiers.has(nameOf(tokens[j])) && tokens[j + 1]?.text === '.' && isName(tokens[j + 2])) j += 2;
    if (j > i && tables.has(nameOf(tokens[j])) && tokens[i - 1]?.text !== '.') {
      out += quoteIdentifier(nameOf(tokens[j], false));
      i = j;
      continue;
    }
    out += tokens[i]?.text ?? '';
  }
  return out;
}

interface Token {
  kind: 'word' | 'quoted' | 'other';
  text: string;
}

function isName(token: Token | undefined): token is Token {
  return token !== undefined && (token.kind === 'word' || token.kind === 'quoted');
}

function nameOf(token: Token | undefined, lower = true): string {
  if (!token) return '';
  const name = token.kind === 'quoted' ? token.text.slice(1, -1).replaceAll('""', '"') : token.text;
  return lower ? name.toLowerCase() : name;
}

// DuckDB's lexical units that matter here: words, "quoted identifiers", 'strings', comments; the rest char by char.
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    let end = i + 1;
    let kind: Token['kind'] = 'other';
    if (c === "'" || c === '"') {
      while (end < sql.length && !(sql[end] === c && sql[end + 1] !== c)) end += sql[end] === c ? 2 : 1;
      end = Math.min(sql.length, end + 1);
      if (c === '"') kind = 'quoted';
    } else if (c === '-' && sql[i + 1] === '-') {
      end = sql.indexOf('\n', i);
      if (end < 0) end = sql.length;
    } else if (c === '/' && sql[i + 1] === '*') {
      end = sql.indexOf('*/', i + 2);
      end = end < 0 ? sql.length : end + 2;
    } else if (/[A-Za-z_]/.test(c)) {
      while (end < sql.length && /[A-Za-z0-9_$]/.test(sql[end] as string)) end++;
      kind = 'word';
    }
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  }
  return tokens;
}
