import type { Command } from 'commander';
import { cidrRange, UsageError } from '../../records/index.js';
import type { LineColumn } from '../sql-lines.js';
import type { CliContext } from '../context.js';
import { openData } from '../data.js';
import type { OpenedData } from '../data.js';
import { addReadingOptions, parsePositiveInt, parseSelection } from '../options.js';
import { parseFieldList } from '../options.js';
import type { ReadingOptions } from '../options.js';
import type { OutputFormat } from '../render.js';

/** `flowlens findip IP... --in SOURCE`: every flow whose source or destination is one of the addresses or CIDRs. */
export function registerFindip(program: Command, context: CliContext): void {
  addReadingOptions(program.command('findip').argument('<address...>', 'IPv4/IPv6 addresses or CIDRs'), ['table', 'text', 'ndjson', 'json', 'csv'])
    .description('print every flow from or to the given addresses (or CIDRs)')
    .option('-i, --in <sources>', 'comma-separated sources to search (default: the database)')
    .option('--fields <names>', 'comma-separated fields to print')
    .option('-n, --limit <n>', 'print at most n records')
    .action(async (addresses: string[], options: ReadingOptions & { in?: string; fields?: string; limit?: string }) => {
      const limit = options.limit === undefined ? undefined : parsePositiveInt(options.limit, '--limit', 1);
      const ranges = addresses.map((address) => {
        try {
          return cidrRange(address);
        } catch (error) {
          throw new UsageError(`findip: ${(error as Error).message}`, { hint: 'give addresses like 10.0.1.5, 2001:db8::1 or CIDRs like 10.0.1.0/24' });
        }
      });
      const sources = options.in ? options.in.split(',') : [];
      const data = await openData(context, sources, options, parseSelection(options));
      try {
        await printFindip(context, data, ranges, { fields: parseFieldList(options.fields), format: options.format as OutputFormat, limit });
      } finally {
        data.close();
      }
    });
}

/** Memory allowed per expected row while findip gathers its rows (a row of 14-18 columns, with room to spare). */
const GATHER_BYTES_PER_ROW = 512;
const GATHER_MIN_BYTES = 64 * 1024 * 1024;
/** Up to this many expected rows findip gathers them in a temporary table first (see printFindip). */
const GATHER_MAX_ROWS = 100_000;

/**
 * Prints the flows of the ranges in start order; DuckDB renders each line (printSqlLines), so 800,000 rows never
 * become 11 million JS values. The rollups (when up to date) narrow the scan to the units and address texts that
 * hold the ranges, and tell how many rows there are. A few rows, scattered over the whole table as an ordinary
 * address's are, go into a temporary table in one pass, from which the columns with values, a table's widths and
 * the lines come; meanwhile DuckDB runs on one thread with its memory capped near what the rows need, so that it
 * reuses the buffers of blocks it has read instead of taking fresh memory for each (fresh memory costs a page fault
 * per 4 KiB).
 */
async function printFindip(
  context: CliContext,
  data: OpenedData,
  ranges: readonly { low: bigint; high: bigint }[],
  options: { fields: string[] | undefined; format: OutputFormat; limit: number | undefined },
): Promise<void> {
  const { findipFlowsSql } = await import('../../query/flow-queries.js');
  const { readFindipPruning } = await import('../../query/findip-pruning.js');
  const { applySettings, FLOW_COLUMNS, quoteIdentifier, readStoredColumns } = await import('../../store/index.js');
  const { lineColumnKind, printSqlLines, readPresentColumns } = await import('../sql-lines.js');
  const { ALL_COLUMNS } = await import('../../records/index.js');
  const store = data.store;
  const pruning = await readFindipPruning(store, ranges);
  const stored = await readStoredColumns(store);
  const wanted = options.fields ?? ALL_COLUMNS.filter((c) => stored.has(c));
  const types = new Map(FLOW_COLUMNS.map((c) => [c.name, c.type]));
  const lineColumns = (names: readonly string[]): LineColumn[] | undefined => {
    const out = names.map((name) => ({ name, kind: lineColumnKind(types.get(name) ?? '') }));
    return out.every((c) => c.kind !== undefined) ? (out as LineColumn[]) : undefined;
  };
  let found = findipFlowsSql(data.where, ranges, pruning);
  // Few rows (the rollups tell how many) are gathered first; many rows are printed straight from the flows table,
  // whose first 2,048 rows decide the columns, and with --limit DuckDB keeps only the first rows of its sort.
  const expected = pruning ? pruning.src.flows + pruning.dst.flows : undefined;
  const gathered = options.limit === undefined && expected !== undefined && expected <= GATHER_MAX_ROWS ? 'findip_rows' : undefined;
  if (gathered && expected !== undefined) {
    const kept = [...new Set([...wanted, 'start', 'unit_id'])].map(quoteIdentifier).join(', ');
    const capped = store.path !== ':memory:';
    const gather = `CREATE OR REPLACE TEMP TABLE ${gathered} AS SELECT ${kept} FROM ${found} AS f`;
    // One thread pins half the blocks at a time, which keeps the scan within the cap.
    const settings = capped ? { memory_limit: `${Math.ceil(Math.max(GATHER_MIN_BYTES, expected * GATHER_BYTES_PER_ROW) / 1048576)}MB`, threads: '1' } : {};
    const restore = await applySettings(store, settings);
    try {
      await store.run(gather);
    } catch (error) {
      // The cap is a speed setting, not a limit the user asked for: when the scan needs more, it runs without it.
      if (!capped || !/Out of Memory/i.test((error as Error).message)) throw error;
      await restore();
      await store.run(gather);
    } finally {
      await restore();
    }
    found = gathered;
  }
  try {
    const ordered = (columns: string): string =>
      `SELECT ${columns} FROM ${found} AS f ORDER BY "start", unit_id${options.limit === undefined ? '' : ` LIMIT ${options.limit}`}`;
    // Columns with values among all found rows, as presentFieldColumns (a field the table lacks is NULL everywhere).
    let columns = options.fields;
    if (!columns) {
      const present = await readPresentColumns(store, found, wanted);
      columns = present.length > 0 ? present : ALL_COLUMNS.slice(0, 14);
    }
    const selected = lineColumns(columns);
    // Tables for people (human units, fitted to the terminal) are rendered by the RowWriter, the rest by DuckDB.
    if (selected && options.format !== 'table') {
      await printSqlLines(context, store, ordered(selected.map((c) => quoteIdentifier(c.name)).join(', ')), selected, options.format);
      return;
    }
    const { RecordPrinter } = await import('../record-printer.js');
    const printer = new RecordPrinter(context, options.format, options.fields);
    for await (const batch of store.stream(ordered(columns.map(quoteIdentifier).join(', ')))) await printer.rows(columns, batch);
    await printer.finish();
  } finally {
    if (gathered) await store.run(`DROP TABLE IF EXISTS ${gathered}`);
  }
}
