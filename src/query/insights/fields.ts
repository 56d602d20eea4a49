import { ALL_FIELDS, DEFAULT_FORMAT, isNumericField, toColumnName } from '../../records/index.js';
import type { SqlDialect } from '../../engines/index.js';
import { findEnrichmentColumn, ENRICHMENT_COLUMNS } from '../../enrich/index.js';
import type { EnrichmentColumn } from '../../enrich/index.js';

/** The type of an Insights value, as far as the compiler needs it. */
export type ValueType = 'number' | 'string' | 'timestamp' | 'boolean' | 'any';

/** A field as SQL over the source relation (alias `r`): its expression, type, and flows column when it is one. */
export interface SourceField {
  sql: string;
  type: ValueType;
  /** The flows column the field is, unchanged (lets address tests use the numeric src_ip/dst_ip columns). */
  column?: string;
  /** True when the source's rollup relation (InsightsSource.rollupFrom) has the field too, though it is no rollup key. */
  onRollups?: boolean;
}

/** Where an Insights query reads from: a table, a condition on it, and how field names resolve. */
export interface InsightsSource {
  /** The table (or view) name, unquoted. */
  table: string;
  /** SQL of the relation read instead of the table (a parenthesized query), e.g. flows with enrichment columns. */
  from?: string | undefined;
  /** An extra SQL condition on the table (the time window of --start/--end), or undefined. */
  where?: string | undefined;
  /** Resolves a field name as Insights users write it; undefined for unknown names. */
  field(name: string, dialect: SqlDialect): SourceField | undefined;
  /** Names to suggest when a field is unknown. */
  fieldNames(): readonly string[];
  /** True when the table is the store's flows view, whose rollup tables (dialect.rollups) may answer `stats`. */
  flows?: boolean;
  /** SQL of the relation read instead of a rollup table (the rollup with enrichment columns); default: the table. */
  rollupFrom?: ((table: string) => string) | undefined;
}

const SPECIAL_PARTS: Record<string, string> = { srcaddr: 'srcAddr', dstaddr: 'dstAddr', srcport: 'srcPort', dstport: 'dstPort' };

/**
 * The Insights name of a flow-log field: `account-id` → `accountId`, `srcaddr` → `srcAddr`, `pkt-srcaddr` →
 * `pktSrcAddr`. AWS documents the v2 names (discoverable-fields page); v3+ names follow the same camelCase rule,
 * which third-party queries use but AWS does not document.
 */
export function insightsName(fieldName: string): string {
  const parts = fieldName.split('-').map((p) => SPECIAL_PARTS[p] ?? p);
  return parts.map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1))).join('');
}

const BY_NAME = new Map<string, string>();
for (const field of ALL_FIELDS) {
  const column = toColumnName(field.name);
  BY_NAME.set(insightsName(field.name), column);
  BY_NAME.set(column, column);
  BY_NAME.set(field.name, column);
}
// The discoverable-fields page names them startTime/endTime; start/end are the flow-log names.
BY_NAME.set('startTime', 'start');
BY_NAME.set('endTime', 'end');

const COLUMN_TYPES = new Map(ALL_FIELDS.map((f) => [toColumnName(f.name), isNumericField(f) ? 'number' : 'string'] as const));

/**
 * The flows table as an Insights source: every field under its Insights name, snake_case column name and
 * hyphenated name; `@timestamp` (the record's start, as epoch milliseconds), `@message` (the record rebuilt as a
 * default-format line) and `@logStream` (`<interface-id>-all`, how VPC names CloudWatch streams).
 */
export function flowsSource(options: { table?: string | undefined; where?: string | undefined; enrichment?: Set<EnrichmentColumn> | undefined } = {}): InsightsSource {
  const table = options.table ?? 'flows';
  return {
    table,
    where: options.where,
    flows: table === 'flows',
    field(name, dialect) {
      // Enrichment fields (dstAsName, src_country, …) are columns of the enriched relation; the caller collects them.
      const enriched = options.enrichment ? findEnrichmentColumn(name) : undefined;
      if (enriched) {
        options.enrichment?.add(enriched);
        return { sql: `r.${dialect.quoteIdentifier(enriched.name)}`, type: enriched.type === 'UINTEGER' ? 'number' : 'string', onRollups: true };
      }
      const col = (c: string): string => `r.${dialect.quoteIdentifier(c)}`;
      switch (name) {
        case '@timestamp':
          return { sql: `(${col('start')} * 1000)`, type: 'timestamp' };
        case '@message': {
          const parts: string[] = [];
          for (const [i, fieldName] of DEFAULT_FORMAT.entries()) {
            if (i > 0) parts.push(dialect.literal(' '));
            parts.push(`coalesce(${dialect.toText(col(toColumnName(fieldName)))}, '-')`);
          }
          return { sql: dialect.concat(parts), type: 'string' };
        }
        case '@logStream':
        case 'logStream':
          // The AWS sample "single record per connection" filters on `logStream`; it means the stream.
          return { sql: dialect.concat([col('interface_id'), dialect.literal('-all')]), type: 'string' };
        default: {
          const column = BY_NAME.get(name);
          if (!column) return undefined;
          return { sql: col(column), type: COLUMN_TYPES.get(column) ?? 'string', column };
        }
      }
    },
    fieldNames: () => [
      '@timestamp', '@message', '@logStream', ...new Set(ALL_FIELDS.map((f) => insightsName(f.name))), 'startTime', 'endTime',
      ...(options.enrichment ? ENRICHMENT_COLUMNS.map((c) => c.insightsName) : []),
    ],
  };
}

/**
 * A table of arbitrary log events as an Insights source: `@timestamp` from an epoch-milliseconds column, `@message`
 * from a text column, and every other name a field Insights discovers in JSON events (`a`, nested `b.c`, array items
 * `items.0.id`, `@@x` for a key `@x`): the JSON value as text, null when absent or when the message is not JSON.
 */
export function eventsSource(table: string, columns: { timestamp: string; message: string } = { timestamp: 'timestamp', message: 'message' }): InsightsSource {
  return {
    table,
    field(name, dialect) {
      const message = `r.${dialect.quoteIdentifier(columns.message)}`;
      if (name === '@timestamp') return { sql: `r.${dialect.quoteIdentifier(columns.timestamp)}`, type: 'timestamp' };
      if (name === '@message') return { sql: message, type: 'string' };
      const path = jsonFieldPath(name);
      // Typed 'any': compared with a number it compares as a number, summed as a number, sorted naturally.
      return path ? { sql: dialect.jsonValue(message, path), type: 'any' } : undefined;
    },
    fieldNames: () => ['@timestamp', '@message'],
  };
}

/**
 * The JSON path of a discovered field name (CloudWatch "Supported logs and discovered fields": nesting by dots,
 * array items by index, a key `@x` written `@@x`); undefined for other `@` names, which are system fields.
 */
function jsonFieldPath(name: string): (string | number)[] | undefined {
  let key = name;
  if (key.startsWith('@@')) key = key.slice(1);
  else if (key.startsWith('@')) return undefined;
  const parts = key.split('.');
  if (parts.some((p) => p === '')) return undefined;
  return parts.map((p, i) => (i > 0 && /^\d+$/.test(p) ? Number(p) : p));
}
