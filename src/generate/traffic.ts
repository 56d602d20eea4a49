import type { Emitter } from './emitter.js';
import type { InterfaceModel, VpcModel } from './model.js';
import { FlowDraft } from './record.js';
import type { Random } from './random.js';

/** The traffic components the simulation mixes; each has its own share of records and daily shape. */
export type TrafficComponent =
  | 'web'
  | 'internal'
  | 'egress'
  | 'admin'
  | 'ssh-brute-force'
  | 'port-scan'
  | 'probes'
  | 'ipv6'
  | 'nodata';

// traffic-path values (AWS VPC guide, "Available fields"): 1 = another resource in the same VPC,
// 7 = gateway VPC endpoint, 8 = internet gateway (both Nitro-only values, as on current instances).
const PATH_VPC = '1';
const PATH_ENDPOINT = '7';
const PATH_INTERNET = '8';
// tcp-flags bitmask: FIN 1, SYN 2, RST 4, SYN-ACK 18; flags seen in a window are OR-ed.
const SYN = 2;
const PROBE_PORTS = [21, 23, 25, 81, 445, 1433, 1521, 2375, 3306, 3389, 5432, 5900, 6379, 7547, 8080, 8443, 8888, 9200, 11211, 27017];
const UDP_PROBE_PORTS = [53, 123, 161, 1900, 5060];

/** A TCP/UDP conversation between two endpoints, as seen by every interface it crosses. */
class Conversation {
  src = '';
  dst = '';
  sport = 0;
  dport = 0;
  protocol = 6;
  packets = 0;
  bytes = 0;
  replyPackets = 0;
  replyBytes = 0;
  flags = 0;
  replyFlags = 0;
  action = 'ACCEPT';
  start = 0;
  end = 0;
  type = 'IPv4';
  srcService = '-';
  dstService = '-';
  encryption = 0;
}

/**
 * Simulates the VPC's traffic one event at a time (a web request, a health check, an SSH attempt) and
 * emits the flow records AWS would write for every interface the event crosses: the initiator's flow
 * and, unless rejected, the reply flow, each with direction, traffic path and packet-level addresses.
 */
export class TrafficSimulator {
  /** Epoch seconds of the current one-minute aggregation window. */
  sliceStart = 0;
  private readonly draft: FlowDraft;
  private readonly c = new Conversation();
  private readonly lbs: readonly InterfaceModel[];
  private readonly webs: readonly InterfaceModel[];
  private readonly apps: readonly InterfaceModel[];
  private readonly databases: readonly InterfaceModel[];
  private readonly caches: readonly InterfaceModel[];
  private readonly nat: InterfaceModel;
  private readonly bastion: InterfaceModel;
  private readonly batch: InterfaceModel;
  private readonly ssh: readonly InterfaceModel[];
  private readonly quiet: readonly InterfaceModel[];
  private scanPort = 0;
  private scanTarget = 0;

  constructor(
    private readonly model: VpcModel,
    private readonly random: Random,
    private readonly out: Emitter,
  ) {
    this.lbs = model.byRole('load-balancer');
    this.webs = model.byRole('web');
    this.apps = model.byRole('app');
    this.databases = model.byRole('database');
    this.caches = model.byRole('cache');
    this.nat = model.byRole('nat-gateway')[0] as InterfaceModel;
    this.bastion = model.byRole('bastion')[0] as InterfaceModel;
    this.batch = model.byRole('batch')[0] as InterfaceModel;
    this.ssh = [...this.webs, ...this.apps, ...this.databases];
    // Interfaces that often have nothing to log in a window (NODATA), most of all the batch host.
    this.quiet = [this.batch, this.batch, this.batch, this.bastion, ...this.databases, ...this.caches, this.nat];
    this.draft = new FlowDraft(this.bastion);
  }

  /** Simulates one event of a component, emitting its records. */
  step(component: TrafficComponent): void {
    switch (component) {
      case 'web':
        return this.webRequest();
      case 'internal':
        return this.internal();
      case 'egress':
        return this.egress();
      case 'admin':
        return this.adminSsh();
      case 'ssh-brute-force':
        return this.sshBruteForce();
      case 'port-scan':
        return this.portScan();
      case 'probes':
        return this.probe();
      case 'ipv6':
        return this.ipv6Request();
      case 'nodata':
        return this.noData();
    }
  }

  // An internet client's HTTPS request: client → load balancer → web → (often) app → cache and/or database.
  private webRequest(): void {
    const r = this.random;
    const c = this.begin(6);
    const lb = r.pick(this.lbs);
    const web = r.pick(this.webs);
    c.src = this.client();
    c.dst = lb.address;
    c.sport = r.range(1024, 65535);
    c.dport = r.chance(0.93) ? 443 : 80;
    c.encryption = c.dport === 443 ? 2 : 0;
    this.payload(r.range(6, 30), 180, r.range(6, 200), 1100);
    this.observe(lb, true, PATH_INTERNET, null);
    this.hop(lb, web, 80, 0);
    if (r.chance(0.6)) {
      const app = r.pick(this.apps);
      this.hop(web, app, 8080, 1);
      if (r.chance(0.7)) this.hop(app, r.pick(this.caches), 6379, 1);
      if (r.chance(0.4)) this.hop(app, this.databases[0] as InterfaceModel, 5432, 1);
    }
  }

  // Service traffic inside the VPC: target health checks, pooled database/cache connections, replication.
  private internal(): void {
    const r = this.random;
    const kind = r.float();
    if (kind < 0.45) {
      const lb = r.pick(this.lbs);
      const web = r.pick(this.webs);
      this.begin(6);
      this.c.sport = r.range(1024, 65535);
      this.c.src = lb.address;
      this.c.dst = web.address;
      this.c.dport = 80;
      this.c.flags = 3;
      this.c.replyFlags = 19;
      this.payload(5, 90, 5, 140);
      this.observe(lb, false, PATH_VPC, web);
      this.observe(web, true, PATH_VPC, lb);
      return;
    }
    if (kind < 0.75) {
      const app = r.pick(this.apps);
      const cache = r.chance(0.5);
      const target = cache ? r.pick(this.caches) : (this.databases[0] as InterfaceModel);
      this.pooled(app, target, cache ? 6379 : 5432);
      return;
    }
    if (kind < 0.85) {
      // Streaming replication: the replica connects to the primary, which sends it the write-ahead log.
      this.pooled(this.databases[1] as InterfaceModel, this.databases[0] as InterfaceModel, 5432);
      return;
    }
    if (kind < 0.95) {
      // Web servers keep connections to the app tier open: flags 0 (no SYN/FIN in the window).
      this.pooled(r.pick(this.webs), r.pick(this.apps), 8080);
      return;
    }
    this.pooled(this.batch, this.databases[1] as InterfaceModel, 5432);
  }

  // Outbound traffic: third-party APIs and package mirrors through the NAT gateway, S3 and DynamoDB through gateway endpoints.
  private egress(): void {
    const r = this.random;
    const kind = r.float();
    const host = r.chance(0.7) ? r.pick(this.apps) : r.chance(0.8) ? r.pick(this.webs) : this.batch;
    const ext = this.model.external;
    if (kind < 0.45) return this.throughNat(host, r.pick(ext.apis), 443, r.range(8, 40), r.range(8, 60));
    if (kind < 0.55) return this.throughNat(host, r.pick(ext.mirrors), r.chance(0.5) ? 80 : 443, r.range(10, 40), r.range(50, 3000));
    const s3 = kind < 0.85;
    const c = this.begin(6);
    c.src = host.address;
    c.dst = r.pick(s3 ? ext.s3 : ext.dynamodb);
    c.sport = r.range(32768, 60999);
    c.dport = 443;
    c.dstService = s3 ? 'S3' : 'DYNAMODB';
    c.encryption = 2;
    const upload = r.chance(0.4);
    this.payload(upload ? r.logRange(20, 20000) : r.range(6, 30), upload ? 1400 : 200, upload ? r.range(6, 40) : r.logRange(10, 30000), upload ? 120 : 1400);
    this.observe(host, false, PATH_ENDPOINT, null);
  }

  // Operators: SSH from the office VPN to the bastion, and from the bastion to the servers, mostly in working hours.
  private adminSsh(): void {
    const r = this.random;
    const c = this.begin(6);
    if (r.chance(0.5)) {
      c.src = this.model.external.office;
      c.dst = this.bastion.address;
      c.sport = r.range(1024, 65535);
      c.dport = 22;
      this.payload(r.range(20, 400), 120, r.range(20, 600), 300);
      this.observe(this.bastion, true, PATH_INTERNET, null);
      return;
    }
    const target = r.pick(this.ssh);
    this.hop(this.bastion, target, 22, 1);
  }

  // One source tries SSH passwords on the bastion (and now and then the load balancers): the security group rejects every SYN.
  private sshBruteForce(): void {
    const r = this.random;
    const c = this.begin(6);
    const target = r.chance(0.85) ? this.bastion : r.pick(this.lbs);
    c.src = this.model.external.sshBruteForce;
    c.dst = target.address;
    c.sport = r.range(32768, 60999);
    c.dport = 22;
    c.action = 'REJECT';
    c.flags = SYN;
    c.packets = r.range(1, 3);
    c.bytes = c.packets * 60;
    this.observe(target, true, PATH_INTERNET, null);
  }

  // A SYN scan walking ports 1-1024 and common high ports on each public-facing interface in turn.
  private portScan(): void {
    const r = this.random;
    const targets = [this.bastion, ...this.lbs];
    const port = this.scanPort < 1024 ? this.scanPort + 1 : 1024 + ((this.scanPort * 7919) % 64511);
    const target = targets[this.scanTarget % targets.length] as InterfaceModel;
    if (++this.scanPort >= 1200) {
      this.scanPort = 0;
      this.scanTarget++;
    }
    const c = this.begin(6);
    c.src = this.model.external.portScanner;
    c.dst = target.address;
    c.sport = r.range(40000, 65000);
    c.dport = port;
    c.packets = 1;
    c.bytes = 44;
    c.flags = SYN;
    const open = target.role === 'load-balancer' ? port === 443 || port === 80 : false;
    c.action = open ? 'ACCEPT' : 'REJECT';
    c.replyPackets = 1;
    c.replyBytes = 44;
    c.replyFlags = 18;
    this.observe(target, true, PATH_INTERNET, null);
  }

  // Background internet noise: scanners probing closed TCP/UDP ports and pinging public interfaces.
  private probe(): void {
    const r = this.random;
    const target = r.chance(0.5) ? this.bastion : r.pick(this.lbs);
    const kind = r.float();
    const c = this.begin(kind < 0.8 ? 6 : kind < 0.9 ? 17 : 1);
    c.src = r.pick(this.model.external.probers);
    c.dst = target.address;
    c.action = 'REJECT';
    if (c.protocol === 1) {
      c.packets = r.range(1, 4);
      c.bytes = c.packets * 84;
    } else {
      c.sport = r.range(1024, 65535);
      c.dport = c.protocol === 6 ? r.pick(PROBE_PORTS) : r.pick(UDP_PROBE_PORTS);
      c.flags = c.protocol === 6 ? SYN : 0;
      c.packets = r.range(1, 2);
      c.bytes = c.packets * (c.protocol === 6 ? 40 : 78);
    }
    this.observe(target, true, PATH_INTERNET, null);
  }

  // A few clients reach the dual-stack load balancer over IPv6.
  private ipv6Request(): void {
    const r = this.random;
    const lbs = this.lbs.filter((lb) => lb.ipv6 !== null);
    const lb = r.pick(lbs);
    const c = this.begin(6);
    c.type = 'IPv6';
    c.src = r.pick(this.model.external.clientsV6);
    c.dst = lb.ipv6 as string;
    c.sport = r.range(1024, 65535);
    c.dport = 443;
    c.encryption = 2;
    this.payload(r.range(6, 30), 180, r.range(6, 200), 1100);
    this.observe(lb, true, PATH_INTERNET, null);
  }

  // No traffic in the window (NODATA) or records skipped for lack of capacity (SKIPDATA): only the interface and window are known.
  private noData(): void {
    const d = this.draft;
    d.eni = this.random.pick(this.quiet);
    d.logStatus = this.random.chance(0.9) ? 'NODATA' : 'SKIPDATA';
    d.start = this.sliceStart + this.random.int(5);
    d.end = d.start + 55 + this.random.int(6);
    this.out.emit(d);
    d.logStatus = 'OK';
  }

  // A TCP connection from one interface to another inside the VPC, seen on both.
  private hop(from: InterfaceModel, to: InterfaceModel, dport: number, encryption: number): void {
    const r = this.random;
    const c = this.begin(6);
    c.src = from.address;
    c.dst = to.address;
    c.sport = r.range(32768, 60999);
    c.dport = dport;
    c.encryption = encryption;
    this.payload(r.range(4, 24), 200, r.range(4, 120), 900);
    this.observe(from, false, PATH_VPC, to);
    this.observe(to, true, PATH_VPC, from);
  }

  // A long-lived pooled connection: no SYN or FIN in the window, steady traffic both ways.
  private pooled(from: InterfaceModel, to: InterfaceModel, dport: number): void {
    const r = this.random;
    const c = this.begin(6);
    c.src = from.address;
    c.dst = to.address;
    c.sport = 32768 + (r.int(8) * 997) % 28231;
    c.dport = dport;
    c.flags = 0;
    c.replyFlags = 0;
    c.encryption = 1;
    c.start = this.sliceStart;
    c.end = this.sliceStart + 59;
    this.payload(r.logRange(20, 5000), 300, r.logRange(20, 8000), 700);
    this.observe(from, false, PATH_VPC, to);
    this.observe(to, true, PATH_VPC, from);
  }

  // A connection to the internet through the NAT gateway: two records on the instance, four on the NAT interface.
  private throughNat(host: InterfaceModel, remote: string, dport: number, packets: number, replyPackets: number): void {
    const r = this.random;
    const c = this.begin(6);
    c.src = host.address;
    c.dst = remote;
    c.sport = r.range(32768, 60999);
    c.dport = dport;
    c.encryption = dport === 443 ? 2 : 0;
    this.payload(packets, 250, replyPackets, 1200);
    this.observe(host, false, PATH_VPC, this.nat);
    // On the NAT interface (AWS VPC guide, "NAT gateway" example): the instance's flow is addressed to the
    // NAT's private address with pkt-dstaddr the remote host, then leaves with the NAT as source.
    const natPort = r.range(1024, 65535);
    this.record(this.nat, c.src, this.nat.address, c.sport, c.dport, c.packets, c.bytes, c.flags, c.src, c.dst, 'ingress', '-', null);
    this.record(this.nat, this.nat.address, c.dst, natPort, c.dport, c.packets, c.bytes, c.flags, this.nat.address, c.dst, 'egress', PATH_INTERNET, null);
    this.record(this.nat, c.dst, this.nat.address, c.dport, natPort, c.replyPackets, c.replyBytes, c.replyFlags, c.dst, this.nat.address, 'ingress', '-', null);
    this.record(this.nat, this.nat.address, c.src, c.dport, c.sport, c.replyPackets, c.replyBytes, c.replyFlags, c.dst, c.src, 'egress', PATH_VPC, host);
  }

  // Emits the records one interface writes for the current conversation: the forward flow, and the reply unless rejected.
  private observe(eni: InterfaceModel, inbound: boolean, egressPath: string, nextHop: InterfaceModel | null): void {
    const c = this.c;
    this.record(eni, c.src, c.dst, c.sport, c.dport, c.packets, c.bytes, c.flags, c.src, c.dst, inbound ? 'ingress' : 'egress', inbound ? '-' : egressPath, inbound ? null : nextHop);
    if (c.action !== 'ACCEPT') return;
    this.record(eni, c.dst, c.src, c.dport, c.sport, c.replyPackets, c.replyBytes, c.replyFlags, c.dst, c.src, inbound ? 'egress' : 'ingress', inbound ? egressPath : '-', inbound ? nextHop : null);
  }

  private record(
    eni: InterfaceModel,
    src: string,
    dst: string,
    sport: number,
    dport: number,
    packets: number,
    bytes: number,
    flags: number,
    pktSrc: string,
    pktDst: string,
    direction: string,
    path: string,
    nextHop: InterfaceModel | null,
  ): void {
    const c = this.c;
    const d = this.draft;
    d.eni = eni;
    d.srcaddr = src;
    d.dstaddr = dst;
    d.srcport = sport;
    d.dstport = dport;
    d.protocol = c.protocol;
    d.packets = packets;
    d.bytes = bytes;
    d.start = c.start;
    d.end = c.end;
    d.action = c.action;
    d.tcpFlags = c.protocol === 6 ? flags : 0;
    d.type = c.type;
    d.pktSrcaddr = pktSrc;
    d.pktDstaddr = pktDst;
    const forward = src === c.src || pktSrc === c.src;
    d.pktSrcAwsService = forward ? c.srcService : c.dstService;
    d.pktDstAwsService = forward ? c.dstService : c.srcService;
    d.flowDirection = direction;
    d.trafficPath = path;
    d.encryptionStatus = c.encryption;
    d.nextHop = nextHop;
    this.out.emit(d);
  }

  // Starts a conversation in the current window with typical TCP flags: SYN+FIN one way, SYN-ACK+FIN back.
  private begin(protocol: number): Conversation {
    const r = this.random;
    const c = this.c;
    c.protocol = protocol;
    c.sport = 0;
    c.dport = 0;
    c.action = 'ACCEPT';
    c.type = 'IPv4';
    c.srcService = '-';
    c.dstService = '-';
    c.encryption = 0;
    c.start = this.sliceStart + r.int(60);
    c.end = c.start + r.int(Math.min(60, this.sliceStart + 60 - c.start + 1));
    const shape = r.float();
    // Most connections open and close inside the window; some only open (long downloads) or only close.
    c.flags = shape < 0.8 ? 3 : shape < 0.9 ? 2 : 1;
    c.replyFlags = shape < 0.8 ? 19 : shape < 0.9 ? 18 : 1;
    c.packets = 0;
    c.bytes = 0;
    c.replyPackets = 0;
    c.replyBytes = 0;
    return c;
  }

  private payload(packets: number, averageSize: number, replyPackets: number, replyAverageSize: number): void {
    const r = this.random;
    const c = this.c;
    c.packets = packets;
    c.bytes = packets * (40 + r.int(averageSize * 2));
    c.replyPackets = replyPackets;
    c.replyBytes = replyPackets * (40 + r.int(replyAverageSize * 2));
  }

  // Client popularity is skewed: a few heavy users, a long tail of occasional visitors.
  private client(): string {
    const clients = this.model.external.clients;
    const u = this.random.float();
    return clients[Math.floor(u * u * u * clients.length)] as string;
  }
}
