// Plain types of the cost report, without imports, so the page's API types (src/server/protocol.ts) can share them.

/** The charges flow logs can explain. */
export type CostCategory = 'nat-processing' | 'internet-egress' | 'cross-az' | 'inter-region' | 'gateway-endpoint-candidate';

/** How cost lines are grouped. */
export type CostGrouping = 'subnet' | 'eni' | 'instance' | 'service';

/** One line of the report: bytes of one charge for one group, and its estimated price. */
export interface CostLine {
  category: CostCategory;
  group: string;
  peer_service: string | null;
  gib: number;
  usd: number;
  gib_per_day: number;
  usd_per_month: number;
}
