import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../records/index.js';

/** USD prices per GB of the charges flow logs can explain; override any with a YAML file. */
export interface PriceTable {
  /** When and where the defaults were read, so users know how old they are. */
  source: string;
  natGatewayProcessingPerGb: number;
  crossAzPerGbEachWay: number;
  internetEgressPerGb: number;
  interRegionPerGb: number;
}

/**
 * AWS public list prices, us-east-1, as published on the Amazon VPC and EC2 on-demand pricing pages
 * (read 2024-05-01): NAT gateway data processing $0.045/GB; data transfer between AZs $0.01/GB in each
 * direction; data transfer out to the internet $0.09/GB (first 10 TB/month tier); inter-region $0.02/GB.
 */
export const DEFAULT_PRICES: PriceTable = {
  source: 'AWS list prices, us-east-1, read 2024-05-01 (override with --prices FILE)',
  natGatewayProcessingPerGb: 0.045,
  crossAzPerGbEachWay: 0.01,
  internetEgressPerGb: 0.09,
  interRegionPerGb: 0.02,
};

/** Reads a YAML price file (any subset of the PriceTable keys) over the defaults. */
export function loadPrices(path: string | undefined): PriceTable {
  if (!path) return DEFAULT_PRICES;
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--prices ${path}: ${(error as Error).message}`, { hint: 'a YAML map such as `natGatewayProcessingPerGb: 0.048`' });
  }
  const prices: PriceTable = { ...DEFAULT_PRICES, source: `${path} over the defaults` };
  for (const [key, value] of Object.entries((data ?? {}) as Record<string, unknown>)) {
    if (!(key in DEFAULT_PRICES) || key === 'source') throw new UsageError(`--prices ${path}: unknown price "${key}"`, { hint: `known: ${Object.keys(DEFAULT_PRICES).filter((k) => k !== 'source').join(', ')}` });
    if (typeof value !== 'number' || value < 0) throw new UsageError(`--prices ${path}: ${key} must be a non-negative number of USD per GB`);
    (prices as unknown as Record<string, number>)[key] = value;
  }
  return prices;
}
