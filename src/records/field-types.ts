/** How a field's text is validated and stored: integers, IP addresses or plain strings. */
export type FieldKind = 'int32' | 'int64' | 'address' | 'string';

/** One flow-log field as AWS defines it: hyphenated name, introducing version, kind and meaning. */
export interface FieldDefinition {
  readonly name: string;
  readonly version: number;
  readonly kind: FieldKind;
  readonly description: string;
}

/** A value of a parsed record field: a number (a bigint for 64-bit counters beyond 2^53), a string, or null for AWS's `-` (missing). */
export type FieldValue = number | bigint | string | null;

/** A parsed flow record keyed by snake_case column names (only the fields of its format). */
export type FlowRecord = Record<string, FieldValue>;
