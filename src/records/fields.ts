import { TRANSIT_GATEWAY_FIELDS, VPC_FIELDS } from './field-list.js';
import type { FieldDefinition } from './field-types.js';

/** Every field flowlens knows: VPC fields v2–v11 then the transit gateway ones. */
export const ALL_FIELDS: readonly FieldDefinition[] = [...VPC_FIELDS, ...TRANSIT_GATEWAY_FIELDS];

/** The default (version 2) format, as hyphenated field names. */
export const DEFAULT_FORMAT: readonly string[] = VPC_FIELDS.filter((f) => f.version === 2).map((f) => f.name);

/** AWS's missing-value token. */
export const MISSING_TOKEN = '-';

const byName = new Map<string, FieldDefinition>();
for (const field of ALL_FIELDS) {
  byName.set(field.name, field);
  byName.set(toColumnName(field.name), field);
}

/** The snake_case column name of a hyphenated field name (`log-status` → `log_status`). */
export function toColumnName(fieldName: string): string {
  return fieldName.replaceAll('-', '_');
}

/** Looks a field up by hyphenated or snake_case name; undefined when AWS defines no such field. */
export function findField(name: string): FieldDefinition | undefined {
  return byName.get(name);
}

/** True when the field holds a number (ports, counters, times, flags). */
export function isNumericField(field: FieldDefinition): boolean {
  return field.kind === 'int32' || field.kind === 'int64';
}

/** Every snake_case column name, in AWS order. */
export const ALL_COLUMNS: readonly string[] = ALL_FIELDS.map((f) => toColumnName(f.name));
