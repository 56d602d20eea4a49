import type { AlarmState, ComparisonOperator, TreatMissingData } from '../../src/alerts/index.js';

/** The alarm parameters the reference evaluator understands. */
export interface ReferenceSpec {
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
}

/**
 * A deliberately plain second implementation of CloudWatch's alarm rules: it evaluates every period,
 * looking at values[k-R+1..k] (null = missing, before index 0 = missing), and returns each state change.
 */
export function referenceTransitions(values: readonly (number | null)[], spec: ReferenceSpec): { index: number; state: AlarmState }[] {
  const range = spec.evaluationPeriods + 2;
  const out: { index: number; state: AlarmState }[] = [];
  let state: AlarmState = 'INSUFFICIENT_DATA';
  for (let k = 0; k < values.length; k++) {
    const slots: (number | null)[] = [];
    for (let i = k - range + 1; i <= k; i++) slots.push(i >= 0 ? (values[i] ?? null) : null);
    const next = rule(slots, spec, state);
    if (next !== state) out.push({ index: k, state: next });
    state = next;
  }
  return out;
}

function rule(slots: readonly (number | null)[], spec: ReferenceSpec, state: AlarmState): AlarmState {
  const n = spec.evaluationPeriods;
  const m = spec.datapointsToAlarm;
  const breaches = (v: number): boolean =>
    spec.comparisonOperator === 'GreaterThanOrEqualToThreshold' ? v >= spec.threshold
      : spec.comparisonOperator === 'GreaterThanThreshold' ? v > spec.threshold
        : spec.comparisonOperator === 'LessThanThreshold' ? v < spec.threshold
          : v <= spec.threshold;
  const positions: number[] = [];
  slots.forEach((v, i) => {
    if (v !== null) positions.push(i);
  });
  const flags = positions.map((i) => breaches(slots[i] as number));
  const count = (xs: boolean[]): number => xs.filter(Boolean).length;
  if (positions.length >= n) return count(flags.slice(-n)) >= m ? 'ALARM' : 'OK';
  if (spec.treatMissingData === 'breaching') return count(flags) + (n - positions.length) >= m ? 'ALARM' : 'OK';
  if (spec.treatMissingData === 'notBreaching') return count(flags) >= m ? 'ALARM' : 'OK';
  const keepOr = (s: AlarmState): AlarmState => (spec.treatMissingData === 'ignore' ? state : s);
  if (positions.length === 0) return keepOr('INSUFFICIENT_DATA');
  if (count(flags) >= m) return 'ALARM';
  if (flags.includes(false)) return 'OK';
  const oldestAge = slots.length - 1 - (positions[0] as number);
  if (oldestAge + 1 >= m) return keepOr('ALARM');
  return keepOr('INSUFFICIENT_DATA');
}
