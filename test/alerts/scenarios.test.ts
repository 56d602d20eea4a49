import { describe, expect, it } from 'vitest';
import { detectionScenario, SCENARIO_FINDING_TYPES } from '../../src/generate/index.js';

describe('detectionScenario', () => {
  const scenario = detectionScenario({ seed: 7, days: 2, learningDays: 1 });

  it('is deterministic per seed and differs between seeds', () => {
    const again = detectionScenario({ seed: 7, days: 2, learningDays: 1 });
    expect(again.lines.length).toBe(scenario.lines.length);
    expect(again.lines.slice(0, 50)).toEqual(scenario.lines.slice(0, 50));
    expect(again.labels).toEqual(scenario.labels);
    expect(detectionScenario({ seed: 8, days: 2, learningDays: 1 }).labels).not.toEqual(scenario.labels);
  });

  it('plants several styles of every finding type inside the scenario, behaviour attacks after the learning days', () => {
    const end = scenario.start + 2 * 86400;
    for (const type of SCENARIO_FINDING_TYPES) {
      const labels = scenario.labels.filter((l) => l.type === type);
      expect(labels.length, type).toBeGreaterThan(0);
      expect(new Set(labels.map((l) => l.style)).size, type).toBe(labels.length);
    }
    for (const label of scenario.labels) {
      expect(label.start).toBeGreaterThanOrEqual(scenario.start);
      expect(label.end).toBeLessThanOrEqual(end);
      if (label.type.startsWith('Behavior:')) expect(label.start).toBeGreaterThanOrEqual(scenario.start + 86400);
    }
  });

  it('writes default-format records, and a distributed attack as many sources with a few tries each', () => {
    for (const line of scenario.lines.slice(0, 1000)) expect(line.split(' ')).toHaveLength(14);
    const distributed = scenario.labels.find((l) => l.type === 'UnauthorizedAccess:EC2/SSHBruteForce.Distributed');
    expect(distributed?.actors?.length).toBeGreaterThanOrEqual(15);
    const tries = new Map<string, number>();
    for (const line of scenario.lines) {
      const [, , , src, dst, , dstport] = line.split(' ');
      if (dst === distributed?.target && dstport === '22' && distributed?.actors?.includes(src as string)) tries.set(src as string, (tries.get(src as string) ?? 0) + 1);
    }
    expect(Math.max(...tries.values())).toBeLessThanOrEqual(6);
  });
});
