import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';

const INSIGHT = {
  eventVersion: '1.08',
  eventTime: '2023-11-14T00:51:00Z',
  awsRegion: 'us-east-1',
  eventID: 'insight-1',
  eventType: 'AwsCloudTrailInsight',
  recipientAccountId: '123456789012',
  insightDetails: { state: 'Start', eventSource: 'ssm.amazonaws.com', eventName: 'UpdateInstanceAssociationStatus', insightType: 'ApiCallRateInsight' },
  eventCategory: 'Insight',
};
const CALL = { eventVersion: '1.08', eventTime: '2023-11-14T00:52:00Z', eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', awsRegion: 'us-east-1', eventID: 'call-1', managementEvent: true };

describe('CloudTrail Insights events in the store', () => {
  it('stores Insights events and managementEvent, also in a store created before those columns existed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-insights-'));
    const path = join(dir, 'trail.json');
    writeFileSync(path, JSON.stringify({ Records: [INSIGHT, CALL] }));
    const db = join(dir, 'old.duckdb');
    const old = await Store.open(db);
    await old.run('ALTER TABLE cloudtrail DROP COLUMN managementevent');
    await old.run('ALTER TABLE cloudtrail DROP COLUMN insightdetails');
    old.close();
    const store = await Store.open(db);
    try {
      const summary = await ingestSources(store, [createLocalSource(path)], { logType: 'auto' });
      expect(summary).toMatchObject({ records: 2, badLines: 0 });
      const rows = await store.query("SELECT eventid, eventname, managementevent, json_extract_string(insightdetails, '$.insightType') AS type FROM cloudtrail ORDER BY eventid");
      expect(rows.rows).toEqual([
        { eventid: 'call-1', eventname: 'ListBuckets', managementevent: 'true', type: null },
        { eventid: 'insight-1', eventname: 'UpdateInstanceAssociationStatus', managementevent: null, type: 'ApiCallRateInsight' },
      ]);
    } finally {
      store.close();
    }
  });
});
