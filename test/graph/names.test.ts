import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addressToBigInt } from '../../src/records/index.js';
import { loadNameTable, loadNamesFile, lookupName, nameOfInterface, parseNames, parseNetworkInterfaces } from '../../src/graph/index.js';
import { graphFixture } from './fixture.js';

const value = (address: string): bigint => addressToBigInt(address) as bigint;

describe('names files', () => {
  it.each(['names.yaml', 'names.json', 'names.csv'])('reads %s into the same table', async (file) => {
    const table = await loadNamesFile(graphFixture(file));
    expect(table.entries.map((e) => [e.cidr, e.name])).toEqual([
      ['10.0.1.12', 'load-balancer-0'],
      ['10.0.2.0/24', 'db-subnet'],
      ['10.0.2.20', 'postgres'],
    ]);
  });

  it('looks names up by longest prefix', () => {
    const table = parseNames('10.0.0.0/16: vpc\n10.0.2.0/24: db-subnet\n10.0.2.20: postgres\n2001:db8::/32: v6-net\n', 'yaml');
    expect(lookupName(table, value('10.0.2.20'))).toBe('postgres');
    expect(lookupName(table, value('10.0.2.21'))).toBe('db-subnet');
    expect(lookupName(table, value('10.0.9.1'))).toBe('vpc');
    expect(lookupName(table, value('10.1.0.1'))).toBeUndefined();
    expect(lookupName(table, value('2001:db8::1'))).toBe('v6-net');
  });

  it('accepts ENI ids as keys', () => {
    const table = parseNames('{"eni-0abc123": "web"}', 'json');
    expect(table.enis.get('eni-0abc123')).toBe('web');
  });

  it.each([
    ['not-an-address: x', 'yaml'],
    ['10.0.0.0/33: x', 'yaml'],
    ['[{"address": "10.0.0.1"}]', 'json'],
    ['{not json', 'json'],
    ['10.0.0.1\n', 'csv'],
  ] as const)('rejects %j (%s) with code names', (text, format) => {
    expect(() => parseNames(text, format)).toThrow(expect.objectContaining({ code: 'names' }));
  });

  it('reports a missing file as a usage error', async () => {
    await expect(loadNamesFile('/nonexistent/names.yaml')).rejects.toMatchObject({ code: 'usage' });
  });
});

describe('parseNetworkInterfaces', () => {
  it('names ENIs by load balancer, instance, tag, RDS, NAT gateway, VPC endpoint and Lambda', () => {
    const table = parseNetworkInterfaces(JSON.parse(readFileSync(graphFixture('network-interfaces.json'), 'utf8')));
    expect(Object.fromEntries(table.enis)).toEqual({
      'eni-0a1b2c3d4e5f60001': 'alb:web-alb',
      'eni-0a1b2c3d4e5f60002': 'i-0123456789abcdef0',
      'eni-0a1b2c3d4e5f60003': 'web-2',
      'eni-0a1b2c3d4e5f60004': 'rds:eni-0a1b2c3d4e5f60004',
      'eni-0a1b2c3d4e5f60005': 'nat-gateway:nat-0abc1234def567890',
      'eni-0a1b2c3d4e5f60006': 'vpce:vpce-0aa11bb22cc33dd44',
      'eni-0a1b2c3d4e5f60007': 'lambda:orders-handler',
    });
    expect(lookupName(table, value('198.51.100.200'))).toBe('nat-gateway:nat-0abc1234def567890');
    expect(table.eniAddresses.get('10.0.1.11')).toBe('eni-0a1b2c3d4e5f60003');
  });

  it.each([
    [{ Description: 'ELB net/my-nlb/abc' }, 'nlb:my-nlb'],
    [{ Description: 'ELB classic-lb' }, 'elb:classic-lb'],
    [{ Description: 'EFS mount target for fs-0123abcd (fsmt-1)', InterfaceType: 'efs' }, 'efs:fs-0123abcd'],
    [{ Description: 'something else' }, undefined],
  ])('names %j as %s', (eni, name) => {
    expect(nameOfInterface({ NetworkInterfaceId: 'eni-1', ...eni })).toBe(name);
  });

  it('rejects JSON that is not describe-network-interfaces output', () => {
    expect(() => parseNetworkInterfaces({ Reservations: [] })).toThrow(expect.objectContaining({ code: 'enrich' }));
  });

  it('lets a names file override AWS names', async () => {
    const table = await loadNameTable({ enis: [graphFixture('network-interfaces.json')], names: [graphFixture('names.yaml')] });
    expect(lookupName(table, value('10.0.1.12'))).toBe('load-balancer-0');
  });
});
