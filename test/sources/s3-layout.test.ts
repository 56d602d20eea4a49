import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/records/index.js';
import {
  isExcluded,
  isIgnoredKey,
  keyTimeRange,
  KEY_TIME_SLACK_SECONDS,
  needsDeeperListing,
  parseKeyFacts,
  parseS3Uri,
} from '../../src/sources/s3/index.js';

const FILE = '123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20240102T1005Z_fe123456.log.gz';
const utc = (...parts: [number, number, number, number?]): number =>
  Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3] ?? 0) / 1000;

describe('parseKeyFacts', () => {
  it.each([
    [
      'plain layout',
      `AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/${FILE}`,
      { account: '123456789012', service: 'vpcflowlogs', region: 'us-east-1', year: 2024, month: 1, day: 2 },
    ],
    [
      'plain layout, hourly, under a prefix',
      `logs/team/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/01/02/10/${FILE}`,
      { account: '123456789012', region: 'eu-west-1', year: 2024, month: 1, day: 2, hour: 10 },
    ],
    [
      'Hive layout, hourly',
      `p/AWSLogs/aws-account-id=210987654321/aws-service=vpcflowlogs/aws-region=ap-south-1/year=2023/month=12/day=31/hour=23/${FILE}`,
      { account: '210987654321', region: 'ap-south-1', year: 2023, month: 12, day: 31, hour: 23 },
    ],
    [
      'a listing prefix',
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/',
      { account: '123456789012', region: 'us-east-1', year: 2024 },
    ],
    [
      'another service',
      'AWSLogs/123456789012/CloudTrail/',
      { account: '123456789012', service: 'CloudTrail' },
    ],
    ['a custom dated layout', 'flows/2024/03/09/x.log', { year: 2024, month: 3, day: 9 }],
    [
      'a bare AWS file name',
      FILE,
      { account: '123456789012', region: 'us-east-1', fileTime: Date.UTC(2024, 0, 2, 10, 5) / 1000 },
    ],
  ])('reads the %s', (_name, key, facts) => {
    expect(parseKeyFacts(key)).toMatchObject(facts);
  });

  it('ignores an incomplete last folder of a prefix', () => {
    expect(parseKeyFacts('AWSLogs/123456789012/vpcflowlogs/us-east-1/20')).not.toHaveProperty('year');
  });
});

describe('keyTimeRange', () => {
  it.each([
    [{ year: 2024 }, utc(2024, 1, 1), utc(2025, 1, 1)],
    [{ year: 2024, month: 12 }, utc(2024, 12, 1), utc(2025, 1, 1)],
    [{ year: 2024, month: 2, day: 29 }, utc(2024, 2, 29), utc(2024, 3, 1)],
    [{ year: 2024, month: 1, day: 2, hour: 23 }, utc(2024, 1, 2, 23), utc(2024, 1, 3)],
  ])('spans the partition %j, widened by the slack', (facts, from, to) => {
    expect(keyTimeRange(facts)).toEqual({
      from: from - KEY_TIME_SLACK_SECONDS,
      to: to + KEY_TIME_SLACK_SECONDS,
    });
  });

  it('has no range without a date', () => {
    expect(keyTimeRange({ account: '1' })).toBeUndefined();
  });
});

describe('isExcluded', () => {
  const day2 = parseKeyFacts('AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/');
  it.each([
    ['a window on that day', { start: utc(2024, 1, 2, 10), end: utc(2024, 1, 2, 11) }, false],
    ['a window ending at the slack', { start: utc(2024, 1, 1), end: utc(2024, 1, 1, 23) }, true],
    ['a window just inside the slack', { start: utc(2024, 1, 1), end: utc(2024, 1, 1, 23) + 1 }, false],
    ['a window a day later', { start: utc(2024, 1, 3, 2), end: utc(2024, 1, 4) }, true],
    ['another account', { accounts: ['999999999999'] }, true],
    ['its account', { accounts: ['123456789012', '999999999999'] }, false],
    ['another region', { regions: ['eu-west-1'] }, true],
    ['no filter', {}, false],
  ])('%s → %s', (_name, filter, excluded) => {
    expect(isExcluded(day2, filter)).toBe(excluded);
  });

  it('excludes other services of an AWSLogs tree', () => {
    expect(isExcluded(parseKeyFacts('AWSLogs/123456789012/elasticloadbalancing/'), {})).toBe(true);
  });
});

describe('needsDeeperListing', () => {
  it.each([
    ['the bucket root', '', {}, true],
    ['an account folder, before the service is known', 'AWSLogs/123456789012/', {}, true],
    ['a region folder without filters', 'AWSLogs/123456789012/vpcflowlogs/us-east-1/', {}, false],
    ['a region folder with a time window', 'AWSLogs/123456789012/vpcflowlogs/us-east-1/', { start: 1 }, true],
    [
      'a day folder with a time window',
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/',
      { start: 1 },
      false,
    ],
    [
      'a Hive service folder with a region filter',
      'AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/',
      { regions: ['us-east-1'] },
      true,
    ],
  ])('%s → %s', (_name, prefix, filter, deeper) => {
    expect(needsDeeperListing(parseKeyFacts(prefix), filter)).toBe(deeper);
  });
});

describe('isIgnoredKey', () => {
  it.each([
    ['AWSLogs/1/vpcflowlogs/', true],
    ['x/_SUCCESS', true],
    ['x/.hidden', true],
    [`x/${FILE}`, false],
  ])('%s → %s', (key, ignored) => expect(isIgnoredKey(key)).toBe(ignored));
});

describe('parseS3Uri', () => {
  it.each([
    ['s3://bucket', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { bucket: 'bucket', prefix: '' }],
    ['s3://my.logs/AWSLogs/123', { bucket: 'my.logs', prefix: 'AWSLogs/123' }],
    ['S3://b-1/a/b/', { bucket: 'b-1', prefix: 'a/b/' }],
  ])('%s', (uri, location) => expect(parseS3Uri(uri)).toEqual(location));

  it('refuses a URI without a bucket', () => {
    expect(() => parseS3Uri('s3:///x')).toThrow(UsageError);
  });
});
