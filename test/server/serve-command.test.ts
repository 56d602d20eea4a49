import { describe, expect, it } from 'vitest';
import { runFlowlens } from '../helpers/cli.js';
import { graphFixture } from '../graph/fixture.js';

describe('flowlens serve', () => {
  it('listens on 127.0.0.1 and prints the URL', async () => {
    const run = await runFlowlens(['serve', graphFixture('flows.log'), '--port', '0'], { env: { FLOWLENS_SERVE_ONCE: '1' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^flowlens serving http:\/\/127\.0\.0\.1:\d+\/\n$/);
  });

  it.each([
    [['--pseudonymize'], 'needs a key'],
    [['--port', 'x'], 'not a positive integer'],
  ])('exits 2 on %j', async (args, message) => {
    const run = await runFlowlens(['serve', graphFixture('flows.log'), ...args], { env: { FLOWLENS_SERVE_ONCE: '1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
