import { VPC_FIELDS } from '../../src/records/index.js';
import type { FieldDefinition } from '../../src/records/index.js';

/** A deterministic pseudo-random generator (mulberry32), so samples are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function valueFor(field: FieldDefinition, i: number, random: () => number, start: number): string {
  // Every field is missing ('-') now and then, so nulls round-trip too.
  if (field.name !== 'version' && field.name !== 'start' && random() < 0.08) return '-';
  switch (field.name) {
    case 'version':
      return '11';
    case 'start':
      return String(start);
    case 'end':
      return String(start + 1 + Math.floor(random() * 59));
    case 'action':
      return random() < 0.7 ? 'ACCEPT' : 'REJECT';
    case 'log-status':
      return 'OK';
    case 'protocol':
      return random() < 0.8 ? '6' : '17';
    case 'packets':
      return String(1 + Math.floor(random() * 100));
    case 'bytes':
      return String(40 + Math.floor(random() * 5_000_000_000));
    case 'tcp-flags':
      return String(Math.floor(random() * 256));
    case 'traffic-path':
      return String(1 + Math.floor(random() * 8));
    case 'encryption-status':
      return String(Math.floor(random() * 3));
    case 'srcport':
    case 'dstport':
      return String(Math.floor(random() * 65536));
    default:
      break;
  }
  if (field.kind === 'address') {
    return random() < 0.15 ? `2001:db8::${(i % 50).toString(16)}` : `10.0.${i % 7}.${Math.floor(random() * 20)}`;
  }
  if (field.kind === 'int32') return String(Math.floor(random() * 65536));
  if (field.kind === 'int64') return String(Math.floor(random() * 1e12));
  return `${field.name.replaceAll('-', '')}-${Math.floor(random() * 5)}`;
}

/** Flow-log text in a custom format holding every VPC field (v2–v11), header line first, over `days` days. */
export function sampleFlowLogText(records: number, options: { seed?: number; firstStart?: number; spanSeconds?: number } = {}): string {
  const random = seededRandom(options.seed ?? 7);
  const first = options.firstStart ?? 1_704_067_200; // 2024-01-01T00:00:00Z
  const span = options.spanSeconds ?? 3 * 86_400;
  const lines = [VPC_FIELDS.map((f) => f.name).join(' ')];
  for (let i = 0; i < records; i++) {
    const start = first + Math.floor((i / records) * span);
    lines.push(VPC_FIELDS.map((f) => valueFor(f, i, random, start)).join(' '));
  }
  return `${lines.join('\n')}\n`;
}

/** The `${...}` format string of every VPC field. */
export const ALL_VPC_FORMAT = VPC_FIELDS.map((f) => `\${${f.name}}`).join(' ');
