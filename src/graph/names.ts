import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseCsvLine } from '../records/csv-line.js';
import { FlowlensError, UsageError } from '../records/index.js';
import { cidrBounds, parseCidr } from './address-text.js';

/** One named address or CIDR; lookups pick the longest matching prefix. */
export interface NameEntry {
  cidr: string;
  low: bigint;
  high: bigint;
  /** Prefix length in the 128-bit space (IPv4 prefixes + 96), so IPv4 and IPv6 entries compare. */
  prefix: number;
  name: string;
}

/** Known names: addresses/CIDRs → name, and ENI ids → name. */
export interface NameTable {
  entries: NameEntry[];
  enis: Map<string, string>;
  /** Address → ENI id known from AWS enrichment (used by `--node eni`). */
  eniAddresses: Map<string, string>;
}

/** Format of a names file. */
export type NamesFormat = 'yaml' | 'json' | 'csv';

/** An empty name table. */
export function emptyNameTable(): NameTable {
  return { entries: [], enis: new Map(), eniAddresses: new Map() };
}

/** Parses names text (`address-or-CIDR: name` mappings in YAML/JSON, rows in CSV, or lists of {address|cidr|eni, name}). */
export function parseNames(text: string, format: NamesFormat, file = '<names>'): NameTable {
  const pairs = format === 'csv' ? csvPairs(text, file) : structuredPairs(parseStructured(text, format, file), file);
  const table = emptyNameTable();
  for (const [key, name] of pairs) addName(table, key, name, file);
  return table;
}

/** Reads a names file; the format comes from the extension (.yaml/.yml, .json, .csv), else from the content. */
export async function loadNamesFile(path: string): Promise<NameTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read names file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseNames(text, namesFormatOf(path, text), path);
}

/** Adds one name to a table: an address/CIDR, or an ENI id (`eni-…`). */
export function addName(table: NameTable, key: string, name: string, file = '<names>'): void {
  const trimmed = key.trim();
  if (/^eni-[0-9a-z]+$/i.test(trimmed)) {
    table.enis.set(trimmed, name);
    return;
  }
  const cidr = parseCidr(trimmed);
  if (!cidr) {
    throw new FlowlensError('names', `${file}: "${key}" is not an address, CIDR or ENI id`, {
      hint: 'write entries like `10.0.1.12: load-balancer-0`, `10.0.2.0/24: app-subnet` or `eni-0abc: web`',
    });
  }
  const { low, high } = cidrBounds(cidr);
  table.entries.push({ cidr: trimmed, low, high, prefix: cidr.v4 ? cidr.prefix + 96 : cidr.prefix, name });
}

/** Merges name tables; later tables win for equal keys because their entries come later. */
export function mergeNameTables(...tables: NameTable[]): NameTable {
  const merged = emptyNameTable();
  for (const table of tables) {
    merged.entries.push(...table.entries);
    for (const [eni, name] of table.enis) merged.enis.set(eni, name);
    for (const [address, eni] of table.eniAddresses) merged.eniAddresses.set(address, eni);
  }
  return merged;
}

/** The name of an address by longest-prefix match (later entries win ties), or undefined. */
export function lookupName(table: NameTable, value: bigint): string | undefined {
  let best: NameEntry | undefined;
  for (const entry of table.entries) {
    if (value >= entry.low && value <= entry.high && (!best || entry.prefix >= best.prefix)) best = entry;
  }
  return best?.name;
}

function namesFormatOf(path: string, text: string): NamesFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') return 'json';
  return /^[^:\n]*,[^\n]*$/m.test(text.split('\n')[0] ?? '') ? 'csv' : 'yaml';
}

function parseStructured(text: string, format: 'yaml' | 'json', file: string): unknown {
  try {
    return format === 'json' ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  } catch (error) {
    throw new FlowlensError('names', `${file}: not valid ${format.toUpperCase()}: ${(error as Error).message}`, { cause: error });
  }
}

function structuredPairs(data: unknown, file: string): [string, string][] {
  if (data === null || data === undefined) return [];
  if (Array.isArray(data)) {
    return data.map((item, i) => {
      const record = (item ?? {}) as Record<string, unknown>;
      const key = record.address ?? record.cidr ?? record.ip ?? record.eni;
      if (typeof key !== 'string' || typeof record.name !== 'string') {
        throw new FlowlensError('names', `${file}: item ${i + 1} needs "address" (or "cidr"/"eni") and "name" strings`);
      }
      return [key, record.name];
    });
  }
  if (typeof data === 'object') {
    return Object.entries(data as Record<string, unknown>).map(([key, value]) => {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new FlowlensError('names', `${file}: the name of "${key}" is not a string`);
      }
      return [key, String(value)];
    });
  }
  throw new FlowlensError('names', `${file}: expected a mapping of address → name or a list of {address, name}`);
}

function csvPairs(text: string, file: string): [string, string][] {
  const pairs: [string, string][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const [key = '', ...rest] = parseCsvLine(line);
    const name = rest.join(',').trim();
    if (i === 0 && /^(address|cidr|ip|key)$/i.test(key.trim())) return; // header row
    if (name === '') throw new FlowlensError('names', `${file}:${i + 1}: expected "address,name"`);
    pairs.push([key, name]);
  });
  return pairs;
}
