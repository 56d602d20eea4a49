import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeNetworkInterfaces, MAX_FILTER_VALUES } from '../../src/sources/index.js';
import { startFakeEc2 } from './helpers/ec2-server.js';
import type { FakeEc2 } from './helpers/ec2-server.js';
import { useTestAwsEnv } from './helpers/s3-server.js';

const eniId = (i: number): string => `eni-${i.toString(16).padStart(17, '0')}`;
const interfaces = Array.from({ length: 450 }, (_, i) => ({ NetworkInterfaceId: eniId(i), PrivateIpAddress: `10.0.${i >> 8}.${i & 255}` }));

let ec2: FakeEc2;
let restoreEnv: () => void;
beforeAll(() => {
  restoreEnv = useTestAwsEnv();
});
afterAll(() => restoreEnv?.());
afterEach(async () => {
  await ec2?.stop();
});

describe('describeNetworkInterfaces', () => {
  it('sends at most 200 filter values per call and follows each batch through its pages', async () => {
    ec2 = await startFakeEc2({ interfaces, pageSize: 150 });
    // Every other id is one EC2 no longer knows (a deleted ENI): a filter skips it instead of failing the call.
    const seen = Array.from({ length: 500 }, (_, i) => eniId(i));
    const found = await describeNetworkInterfaces({ endpointUrl: ec2.endpoint }, { filter: 'network-interface-id', values: seen });
    expect(found.map((eni) => eni.NetworkInterfaceId)).toEqual(interfaces.map((eni) => eni.NetworkInterfaceId));
    const calls = ec2.calls();
    const batches = [...new Set(calls.map((c) => c.filters['network-interface-id']?.join(',')))].map((values) => values?.split(',') ?? []);
    expect(batches.map((values) => values.length)).toEqual([MAX_FILTER_VALUES, MAX_FILTER_VALUES, 500 - 2 * MAX_FILTER_VALUES]);
    expect(batches.flat()).toEqual(seen);
    // 200 matches in pages of 150: two calls for each full batch; the last batch (ids 400–499) matches 50, one call.
    expect(calls.map((c) => c.nextToken)).toEqual([null, '150', null, '150', null]);
  });

  it('calls once without filters for every interface in the region', async () => {
    ec2 = await startFakeEc2({ interfaces, pageSize: 1000 });
    expect(await describeNetworkInterfaces({ endpointUrl: ec2.endpoint })).toHaveLength(450);
    expect(ec2.calls()).toEqual([{ filters: {}, nextToken: null, maxResults: '1000' }]);
  });

  it('rejects with access-denied naming the permission', async () => {
    ec2 = await startFakeEc2({ interfaces, deny: true });
    await expect(describeNetworkInterfaces({ endpointUrl: ec2.endpoint })).rejects.toMatchObject({
      code: 'access-denied',
      message: expect.stringContaining('ec2:DescribeNetworkInterfaces'),
    });
  });
});
