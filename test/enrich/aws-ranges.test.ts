import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAwsIpRanges } from '../../src/enrich/index.js';
import { addressToBigInt, FlowlensError } from '../../src/records/index.js';

const FIXTURE = new URL('../fixtures/enrich/ip-ranges.json', import.meta.url);

function serviceAt(ranges: ReturnType<typeof parseAwsIpRanges>['ranges'], address: string): string | undefined {
  const n = addressToBigInt(address)!;
  const hit = ranges.find((r) => r.low <= n && n <= r.high);
  return hit ? `${hit.value.service} ${hit.value.region}` : undefined;
}

describe('parseAwsIpRanges', () => {
  const parsed = parseAwsIpRanges(readFileSync(FIXTURE, 'utf8'));

  it.each([
    ['52.216.10.20', 'S3 us-east-1'],
    ['13.32.1.1', 'CLOUDFRONT GLOBAL'],
    ['3.5.141.7', 'EC2 ap-northeast-2'],
    ['3.1.2.3', 'AMAZON ap-southeast-1'],
    ['2600:1f18::1', 'EC2 us-east-1'],
    ['2600:1f80::1', 'AMAZON GLOBAL'],
    ['8.8.8.8', undefined],
  ])('names %s as %s (most specific prefix, a specific service over AMAZON)', (address, expected) => {
    expect(serviceAt(parsed.ranges, address)).toBe(expected);
  });

  it('keeps the file stamp and the prefix count', () => {
    expect(parsed.createDate).toBe('2026-12-01-00-00-00');
    expect(parsed.prefixes).toBe(9);
  });

  it('refuses a file without prefix lists as a usage error', () => {
    let error: unknown;
    try {
      parseAwsIpRanges('{"foo": 1}');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowlensError);
    expect((error as FlowlensError).code).toBe('usage');
  });
});
