import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toSourceUri } from '../../src/sources/discover.js';
import { runFlowlens } from '../helpers/cli.js';
import { startFakeLogs } from './helpers/cwl-server.js';
import type { FakeLogsServer } from './helpers/cwl-server.js';
import { useTestAwsEnv } from './helpers/s3-server.js';

let logs: FakeLogsServer;
let restoreEnv: () => void;

beforeAll(() => {
  restoreEnv = useTestAwsEnv();
});
afterAll(() => restoreEnv?.());
beforeEach(async () => {
  logs = await startFakeLogs();
  logs.addEvents('/aws/vpc/flow-logs', 'eni-1', [{ timestamp: 1, message: 'x' }]);
  logs.addEvents('vpc-prod', 'eni-2', [{ timestamp: 1, message: 'x' }]);
});
afterEach(async () => {
  await logs.stop();
});

const FLOW_LOG_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

describe('flowlens sources', () => {
  it('lists every log group (all pages) and the flow log configurations as SOURCEs', async () => {
    logs.options.flowLogs = [
      {
        flowLogId: 'fl-0aaa',
        resourceId: 'vpc-0123',
        trafficType: 'ALL',
        logDestinationType: 's3',
        logDestination: 'arn:aws:s3:::my-flow-logs/prod',
        flowLogStatus: 'ACTIVE',
        maxAggregationInterval: 600,
        logFormat: FLOW_LOG_FORMAT,
      },
      {
        flowLogId: 'fl-0bbb',
        resourceId: 'eni-0456',
        trafficType: 'REJECT',
        logDestinationType: 'cloud-watch-logs',
        logGroupName: 'vpc-prod',
        flowLogStatus: 'ACTIVE',
        maxAggregationInterval: 60,
        logFormat: FLOW_LOG_FORMAT,
      },
    ];
    const run = await runFlowlens(['sources', '--endpoint-url', logs.endpoint, '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      logGroups: Record<string, unknown>[];
      flowLogs: Record<string, unknown>[];
    };
    expect(out.logGroups).toEqual([
      {
        source: 'cwl:///aws/vpc/flow-logs',
        storedBytes: 1000,
        retentionDays: null,
        created: '2024-01-01T00:00:00.000Z',
      },
      {
        source: 'cwl://vpc-prod',
        storedBytes: 2000,
        retentionDays: null,
        created: '2024-01-01T00:00:00.000Z',
      },
    ]);
    expect(
      out.flowLogs.map((f) => [f.id, f.resource, f.traffic, f.destination, f.aggregationSeconds]),
    ).toEqual([
      ['fl-0aaa', 'vpc-0123', 'ALL', 's3://my-flow-logs/prod', 600],
      ['fl-0bbb', 'eni-0456', 'REJECT', 'cwl://vpc-prod', 60],
    ]);
  });

  it('still lists log groups when EC2 refuses DescribeFlowLogs, with a warning', async () => {
    const run = await runFlowlens(['sources', '--endpoint-url', logs.endpoint, '--log-group-prefix', 'vpc-']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'warning: flow log configurations not listed: cannot list flow logs: UnauthorizedOperation',
    );
    expect(run.stdout).toContain('cwl://vpc-prod');
    expect(run.stdout).not.toContain('/aws/vpc/flow-logs');
  });
});

describe('toSourceUri', () => {
  it.each([
    ['s3', 'arn:aws:s3:::bucket/prefix/', undefined, 's3://bucket/prefix/'],
    ['s3', 'arn:aws-cn:s3:::bucket', undefined, 's3://bucket'],
    ['cloud-watch-logs', 'arn:aws:logs:us-east-1:1:log-group:g', 'g', 'cwl://g'],
    [
      'kinesis-data-firehose',
      'arn:aws:firehose:us-east-1:1:deliverystream/x',
      undefined,
      'arn:aws:firehose:us-east-1:1:deliverystream/x',
    ],
  ])('%s %s → %s', (type, destination, group, uri) =>
    expect(toSourceUri(type, destination, group)).toBe(uri),
  );
});
