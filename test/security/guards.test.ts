import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { allowedHostsFor, isAllowedHost } from '../../src/server/guards.js';
import { runFlowlens } from '../helpers/cli.js';
import { graphFixture } from '../graph/fixture.js';

describe('allowedHostsFor', () => {
  it.each([
    ['127.0.0.1:8080', true],
    ['localhost:8080', true],
    ['[::1]:8080', true],
    ['flowlens.lan:8080', true],
    ['127.0.0.1', false],
    ['localhost:8081', false],
    ['attacker.example:8080', false],
    ['localhost.attacker.example:8080', false],
    ['', false],
  ])('on 127.0.0.1:8080 with --allowed-host flowlens.lan, Host %j is allowed: %s', (host, allowed) => {
    expect(isAllowedHost(host, allowedHostsFor('127.0.0.1', 8080, ['flowlens.lan']))).toBe(allowed);
  });

  it('accepts a port-less Host on port 80 and refuses a missing Host', () => {
    const allowed = allowedHostsFor('127.0.0.1', 80);
    expect(isAllowedHost('localhost', allowed)).toBe(true);
    expect(isAllowedHost('localhost:80', allowed)).toBe(true);
    expect(isAllowedHost(undefined, allowed)).toBe(false);
  });

  it('adds the bound IPv6 address in brackets, and the machine name and addresses on a wildcard bind', () => {
    expect(isAllowedHost('[fd00::5]:9000', allowedHostsFor('fd00::5', 9000))).toBe(true);
    const wildcard = allowedHostsFor('0.0.0.0', 9000);
    expect(isAllowedHost(`${hostname()}:9000`, wildcard)).toBe(true);
    expect(isAllowedHost('attacker.example:9000', wildcard)).toBe(false);
  });
});

describe('flowlens serve options', () => {
  it.each([['0'], ['-5'], ['soon']])('refuses --query-timeout %s with exit 2', async (value) => {
    const run = await runFlowlens(['serve', graphFixture('flows.log'), '--port', '0', '--query-timeout', value], { env: { FLOWLENS_SERVE_ONCE: '1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--query-timeout');
  });
});
