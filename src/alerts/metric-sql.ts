import { filterPatternToFlowSql } from '../query/filter-pattern-hook.js';
import { FLOWS_TABLE, quoteIdentifier, sqlLiteral } from '../store/index.js';
import type { AlarmRule, MetricDefinition } from './rules.js';
import type { ValueSource } from './pattern-fields.js';

/** The SQL condition of a filter pattern; an empty or blank pattern matches every event (PutMetricFilter). */
export function patternCondition(pattern: string): string {
  return pattern.trim() === '' ? 'TRUE' : `(${filterPatternToFlowSql(pattern)})`;
}

/** The metric definitions an alarm reads: same namespace and name, and exactly the alarm's dimension names. */
export function alarmMetricDefinitions(alarm: Pick<AlarmRule, 'metricName' | 'namespace' | 'dimensions'>, metrics: readonly MetricDefinition[]): MetricDefinition[] {
  const wanted = alarm.dimensions.map((d) => d.name).sort().join('\u0000');
  return metrics.filter(
    (m) => m.metricName === alarm.metricName && m.namespace === alarm.namespace && Object.keys(m.dimensions).sort().join('\u0000') === wanted,
  );
}

/**
 * SQL for the metric values a set of metric filters publishes: one row per value with its time `t`
 * (the record's `start`), dimension values `d0, d1, …` (in `dimensionNames` order) and value `v`.
 * A matching record publishes metricValue; a non-matching one publishes defaultValue when set (per event,
 * as CloudWatch does, so it counts in SampleCount); a value that is not a number publishes nothing.
 */
export function metricValuesSql(definitions: readonly MetricDefinition[], dimensionNames: readonly string[], where: string): string {
  const start = quoteIdentifier('start');
  const parts: string[] = [];
  for (const definition of definitions) {
    const condition = patternCondition(definition.filterPattern);
    const dims = dimensionNames.map((name, i) => {
      const column = definition.dimensions[name];
      return `${column ? `CAST(${quoteIdentifier(column)} AS VARCHAR)` : 'NULL::VARCHAR'} AS ${quoteIdentifier(`d${i}`)}`;
    });
    const select = (value: string): string => [`${start} AS t`, ...dims, `${value} AS v`].join(', ');
    parts.push(`SELECT ${select(valueSql(definition.value))} FROM ${FLOWS_TABLE} WHERE (${where}) AND ${start} IS NOT NULL AND ${condition}`);
    if (definition.defaultValue !== undefined) {
      parts.push(
        `SELECT ${select(`${sqlLiteral(definition.defaultValue)}::DOUBLE`)} FROM ${FLOWS_TABLE} WHERE (${where}) AND ${start} IS NOT NULL AND NOT coalesce(${condition}, FALSE)`,
      );
    }
  }
  return parts.join('\nUNION ALL\n');
}

/**
 * SQL for an alarm's datapoints: per period (aligned to the epoch) and per dimension value, the
 * statistic of the metric values and their SampleCount. Dimensions with a fixed value filter; `*` groups.
 */
export function alarmDatapointsSql(alarm: AlarmRule, definitions: readonly MetricDefinition[], where: string): string {
  const names = alarm.dimensions.map((d) => d.name);
  const values = metricValuesSql(definitions, names, where);
  const period = sqlLiteral(alarm.period);
  const filters = ['v IS NOT NULL'];
  const grouped: string[] = [];
  alarm.dimensions.forEach((d, i) => {
    const column = quoteIdentifier(`d${i}`);
    if (d.value === '*') {
      filters.push(`${column} IS NOT NULL`);
      grouped.push(column);
    } else filters.push(`${column} = ${sqlLiteral(d.value)}`);
  });
  const keys = [`(t // ${period}) * ${period} AS period_start`, ...grouped];
  return `SELECT ${keys.join(', ')}, count(v) AS sample_count, ${statisticSql(alarm)} AS value
FROM (${values}) AS metric_values
WHERE ${filters.join(' AND ')}
GROUP BY ALL
ORDER BY ALL`;
}

/** SQL for a few flow records behind one datapoint: the matching records of that period and dimension values. */
export function datapointRecordsSql(
  definitions: readonly MetricDefinition[],
  dimensions: Readonly<Record<string, string>>,
  range: { start: number; end: number },
  where: string,
  limit: number,
): string {
  const start = quoteIdentifier('start');
  const parts = definitions.map((definition) => {
    const conditions = [`(${where})`, `${start} >= ${sqlLiteral(range.start)}`, `${start} < ${sqlLiteral(range.end)}`, patternCondition(definition.filterPattern)];
    for (const [name, value] of Object.entries(dimensions)) {
      const column = definition.dimensions[name];
      if (column) conditions.push(`CAST(${quoteIdentifier(column)} AS VARCHAR) = ${sqlLiteral(value)}`);
    }
    return `SELECT * EXCLUDE (src_ip, dst_ip, event_id, unit_id) FROM ${FLOWS_TABLE} WHERE ${conditions.join(' AND ')}`;
  });
  return `SELECT DISTINCT * FROM (${parts.join('\nUNION ALL\n')}) ORDER BY ${start} LIMIT ${sqlLiteral(limit)}`;
}

function statisticSql(alarm: AlarmRule): string {
  switch (alarm.statistic) {
    case 'Sum':
      return 'sum(v)';
    case 'SampleCount':
      return 'count(v)';
    case 'Average':
      return 'avg(v)';
    case 'Minimum':
      return 'min(v)';
    case 'Maximum':
      return 'max(v)';
    default:
      // CloudWatch does not publish its percentile estimator; flowlens interpolates linearly.
      return `quantile_cont(v, ${sqlLiteral((alarm.percentile ?? 50) / 100)})`;
  }
}

function valueSql(source: ValueSource): string {
  return source.kind === 'literal' ? `${sqlLiteral(source.value)}::DOUBLE` : `TRY_CAST(${quoteIdentifier(source.column)} AS DOUBLE)`;
}
