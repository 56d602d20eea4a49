import { Random } from './random.js';

/** One planted attack: its finding type, style, who, what and when (epoch seconds, end exclusive). */
export interface ScenarioLabel {
  type: string;
  style: string;
  /** The attacking address (single-source attacks; the internal host for behaviour findings). */
  actor?: string | undefined;
  /** Every attacking address of a distributed attack. */
  actors?: string[] | undefined;
  target?: string | undefined;
  port?: number | undefined;
  start: number;
  end: number;
}

/** A labelled scenario: flow log lines (default format) over several days and the attacks planted in them. */
export interface DetectionScenario {
  seed: string;
  start: number;
  days: number;
  /** Days at the start with no behaviour attack (the detectors' learning period). */
  learningDays: number;
  lines: string[];
  labels: ScenarioLabel[];
  /** The VPC's CIDR and the names of its well-known internal addresses. */
  vpcCidr: string;
  names: Record<string, string>;
}

/** Options of detectionScenario. */
export interface ScenarioOptions {
  seed: string | number;
  /** Days of traffic (default 5). */
  days?: number | undefined;
  /** Days before any behaviour attack is planted (default 2). */
  learningDays?: number | undefined;
  /** First second of the scenario (default 2026-11-02T00:00:00Z, a Monday). */
  start?: number | undefined;
}

const HOUR = 3600;
const DAY = 86400;
const ACCOUNT = '123456789012';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Finding types a scenario plants, by the GuardDuty-style name flowlens reports. */
export const SCENARIO_FINDING_TYPES = [
  'UnauthorizedAccess:EC2/SSHBruteForce',
  'UnauthorizedAccess:EC2/RDPBruteForce',
  'UnauthorizedAccess:EC2/SSHBruteForce.Distributed',
  'UnauthorizedAccess:EC2/RDPBruteForce.Distributed',
  'Recon:EC2/Portscan',
  'Recon:EC2/Portscan.Distributed',
  'Recon:EC2/PortSweep',
  'Behavior:EC2/NetworkPortUnusual',
  'Behavior:EC2/TrafficVolumeUnusual',
] as const;

/**
 * Builds a labelled scenario of a small VPC (10.0.0.0/16): public web hosts, an SSH bastion and an RDP jump
 * host open to the internet, an app tier behind internal load balancers, databases, a backup host, CI
 * runners, a monitoring host and VPN users; ordinary traffic that looks like attacks (health checks,
 * monitoring sweeps, nightly backups, CI jobs, bursty batch uploads, background internet probes, failed
 * logins); and several styles of each attack, each with its ground-truth label. Deterministic per seed.
 */
export function detectionScenario(options: ScenarioOptions): DetectionScenario {
  const seed = String(options.seed);
  const random = new Random(`scenario:${seed}`);
  const days = options.days ?? 5;
  const learningDays = options.learningDays ?? 2;
  const t0 = options.start ?? 1793577600;
  const out = new Emitter(random.fork('ports'));
  const labels: ScenarioLabel[] = [];

  // Addresses. Public hosts have public IPs (flow logs show their private address).
  const web = range(32, (i) => `10.0.0.${20 + i}`);
  const bastion = '10.0.0.10';
  const jump = '10.0.0.11';
  const vpnServer = '10.0.0.12';
  const publicHosts = [bastion, jump, vpnServer, ...web];
  const app = range(12, (i) => `10.0.2.${10 + i}`);
  const db = range(3, (i) => `10.0.3.${10 + i}`);
  const backupHost = '10.0.3.50';
  const etlHost = '10.0.2.60';
  const ci = range(4, (i) => `10.0.4.${10 + i}`);
  const monitor = '10.0.5.10';
  const albNodes = ['10.0.0.5', '10.0.0.6'];
  const internalAlb = ['10.0.1.5', '10.0.1.6'];
  const nlbNodes = ['10.0.1.7', '10.0.1.8'];
  const vpnPool = range(12, (i) => `10.8.0.${10 + i}`);
  const resolver = '10.0.0.2';
  const everyHost = [...publicHosts, ...app, ...db, backupHost, etlHost, ...ci];
  const names: Record<string, string> = {
    [monitor]: 'monitoring',
    [backupHost]: 'backup',
    ...Object.fromEntries(albNodes.map((a, i) => [a, `alb-public-${i + 1}`])),
    ...Object.fromEntries(internalAlb.map((a, i) => [a, `alb-internal-${i + 1}`])),
    ...Object.fromEntries(nlbNodes.map((a, i) => [a, `nlb-internal-${i + 1}`])),
  };
  const external = (r: Random) => externalAddress(r);
  const s3 = (r: Random) => `52.216.${r.int(256)}.${1 + r.int(254)}`;
  const partnerSftp = '198.51.100.40';
  const apiPeers = range(20, () => external(random));
  const githubGit = ['140.82.112.3', '140.82.113.4', '140.82.114.3'];
  const ciTestDb = '34.120.10.20';
  const officeRdp = range(3, () => external(random));
  const vpnHomes = range(vpnPool.length, () => external(random));
  const end = t0 + days * DAY;

  // --- Ordinary traffic, hour by hour. ---
  for (let hour = 0; hour < days * 24; hour++) {
    const h0 = t0 + hour * HOUR;
    const hourOfDay = hour % 24;
    const weekday = Math.floor(hour / 24) % 7 < 5;
    const r = random.fork(`hour:${hour}`);
    const diurnal = 0.3 + 0.7 * Math.max(0, Math.sin(((hourOfDay - 6) / 24) * 2 * Math.PI));
    // Web clients through the public load balancer, and the crawlers that index the site.
    const clients = Math.round(40 + 160 * diurnal);
    for (let i = 0; i < clients; i++) {
      const node = r.pick(albNodes);
      out.session(r, { src: external(r), dst: node, dport: 443, start: h0 + r.int(HOUR), packets: r.range(8, 60), bytesIn: r.range(600, 4000), bytesOut: r.range(2000, 400000) });
    }
    for (const crawler of ['66.249.66.1', '66.249.66.7', '157.55.39.20']) {
      for (let i = 0; i < r.range(20, 80); i++) out.session(r, { src: crawler, dst: r.pick([...albNodes, ...web.slice(0, 3)]), dport: r.chance(0.9) ? 443 : 80, start: h0 + r.int(HOUR), packets: r.range(6, 40), bytesIn: r.range(400, 1200), bytesOut: r.range(3000, 200000) });
    }
    // The load balancer forwards to the web hosts; app hosts call APIs on the internet and the databases.
    for (let i = 0; i < Math.round(60 * diurnal) + 10; i++) out.session(r, { src: r.pick(albNodes), dst: r.pick(web), dport: 8080, start: h0 + r.int(HOUR), packets: r.range(8, 40), bytesIn: r.range(600, 3000), bytesOut: r.range(2000, 300000), both: true });
    for (const host of app) {
      for (let i = 0; i < r.range(2, 8); i++) out.session(r, { src: host, dst: r.pick(apiPeers), dport: 443, start: h0 + r.int(HOUR), packets: r.range(10, 80), bytesIn: r.range(2000, 2 * MiB), bytesOut: r.range(4000, 400000) });
      out.session(r, { src: host, dst: r.pick(db), dport: 5432, start: h0 + r.int(HOUR), packets: r.range(20, 400), bytesIn: r.range(4000, 400000), bytesOut: r.range(20000, 4 * MiB), both: true });
      out.session(r, { src: host, dst: resolver, dport: 53, protocol: 17, start: h0 + r.int(HOUR), packets: 2, bytesIn: 80, bytesOut: 160 });
    }
    // Health checks: the internal ALB (HTTP, 30 s) and an NLB (TCP, handshake then reset: 3 packets).
    for (let tick = 0; tick < HOUR; tick += 30) {
      for (const node of internalAlb) for (const host of app.slice(0, 8)) out.flow(host, node, host, out.ephemeral(), 8080, 6, 5, 420, h0 + tick + r.int(5), 'ACCEPT');
      for (const node of nlbNodes) for (const host of app.slice(6)) out.flow(host, node, host, out.ephemeral(), 9000, 6, 3, 164, h0 + tick + r.int(5), 'ACCEPT');
    }
    // Monitoring: scrapes every host's exporter every 5 minutes; a TCP check of SSH on every host every 5 minutes.
    for (let tick = 0; tick < HOUR; tick += 300) for (const host of everyHost) out.session(r, { src: monitor, dst: host, dport: 9100, start: h0 + tick + r.int(20), packets: r.range(8, 14), bytesIn: 600, bytesOut: r.range(20000, 60000) });
    for (let tick = 0; tick < HOUR; tick += 300) for (const host of everyHost) out.flow(host, monitor, host, out.ephemeral(), 22, 6, 3, 180, h0 + tick + r.int(30), 'ACCEPT');
    // Nightly backup at 02:00: 20–40 GB to S3, in parallel streams to a few S3 addresses.
    if (hourOfDay === 2) {
      const total = r.range(20, 40) * GiB;
      const streams = r.range(4, 8);
      for (let s = 0; s < streams; s++) out.flow(backupHost, backupHost, s3(r), out.ephemeral(), 443, 6, Math.round(total / streams / 1400), Math.round(total / streams), h0 + r.int(600), 'ACCEPT', 2400);
      for (const host of db) out.session(r, { src: host, dst: backupHost, dport: 873, start: h0 + 60, packets: 200000, bytesIn: 3 * GiB, bytesOut: 10 * MiB, both: true });
    }
    // A bursty batch job: uploads of 0.2–3 GB to a partner's SFTP at irregular hours.
    if (r.chance(0.35)) out.session(r, { src: etlHost, dst: partnerSftp, dport: 22, start: h0 + r.int(HOUR / 2), packets: 400000, bytesIn: r.range(200, 3000) * MiB, bytesOut: 4 * MiB });
    // CI runners on working hours: git (9418), a hosted test database (5432), package downloads, deploys over SSH.
    if (weekday && hourOfDay >= 7 && hourOfDay <= 19) {
      for (const runner of ci) {
        for (let j = 0; j < r.range(0, 6); j++) {
          const at = h0 + r.int(HOUR);
          out.session(r, { src: runner, dst: r.pick(githubGit), dport: 9418, start: at, packets: r.range(20, 400), bytesIn: 30000, bytesOut: r.range(100000, 40 * MiB) });
          out.session(r, { src: runner, dst: ciTestDb, dport: 5432, start: at + 30, packets: r.range(20, 200), bytesIn: 40000, bytesOut: 200000 });
          for (let k = 0; k < r.range(3, 20); k++) out.session(r, { src: runner, dst: external(r), dport: 443, start: at + k, packets: r.range(20, 2000), bytesIn: r.range(2000, 20000), bytesOut: r.range(10000, 50 * MiB) });
          if (r.chance(0.3)) for (const host of app) out.session(r, { src: runner, dst: host, dport: 22, start: at + 120, packets: r.range(60, 400), bytesIn: 200000, bytesOut: 40000, both: true });
        }
      }
    }
    // VPN users: the tunnels, then SSH/RDP/HTTPS to internal hosts, with the odd failed login; one runs Ansible.
    if (weekday && hourOfDay >= 8 && hourOfDay <= 18) {
      for (let u = 0; u < vpnPool.length; u++) {
        if (!r.chance(0.6)) continue;
        out.session(r, { src: vpnHomes[u] as string, dst: vpnServer, dport: 1194, protocol: 17, start: h0 + r.int(600), packets: r.range(2000, 20000), bytesIn: r.range(1, 20) * MiB, bytesOut: r.range(5, 80) * MiB });
        const user = vpnPool[u] as string;
        for (let k = 0; k < r.range(1, 5); k++) out.session(r, { src: user, dst: r.pick([...app, ...db, bastion]), dport: 22, start: h0 + r.int(HOUR), packets: r.range(80, 3000), bytesIn: 200000, bytesOut: 400000, both: true });
        if (r.chance(0.2)) for (let k = 0; k < r.range(1, 3); k++) out.flow(bastion, user, bastion, out.ephemeral(), 22, 6, r.range(8, 14), 2400, h0 + r.int(HOUR), 'ACCEPT');
        if (r.chance(0.3)) out.session(r, { src: user, dst: jump, dport: 3389, start: h0 + r.int(HOUR), packets: r.range(3000, 30000), bytesIn: 4 * MiB, bytesOut: 40 * MiB });
      }
      if (hourOfDay === 10 && r.chance(0.5)) for (const host of [...app, ...db, ...web]) out.session(r, { src: vpnPool[0] as string, dst: host, dport: 22, start: h0 + r.int(900), packets: r.range(40, 200), bytesIn: 80000, bytesOut: 60000, both: true });
      // Admins from the office over RDP to the jump host.
      if (r.chance(0.5)) out.session(r, { src: r.pick(officeRdp), dst: jump, dport: 3389, start: h0 + r.int(HOUR), packets: r.range(3000, 40000), bytesIn: 4 * MiB, bytesOut: 60 * MiB });
    }
    // Background internet noise: scanners trying one or two common ports on one of our public hosts.
    for (let i = 0; i < r.range(30, 70); i++) {
      const src = external(r);
      const dst = r.pick(publicHosts);
      for (let k = 0; k < r.range(1, 3); k++) {
        const port = r.pick([22, 22, 22, 23, 80, 443, 445, 3389, 3389, 8080, 5900, 6379, 1433, 3306, 25, 8443, 2323]);
        const open = (port === 443 || port === 80) && dst !== bastion && dst !== jump ? true : (port === 22 && dst === bastion) || (port === 3389 && dst === jump);
        out.flow(dst, src, dst, out.ephemeral(), port, 6, open ? r.range(1, 3) : 1, open ? 120 : 40, h0 + r.int(HOUR), open ? 'ACCEPT' : 'REJECT');
      }
    }
    // A few SSH login attempts from the internet on the bastion that look like a person (1–4 tries).
    if (r.chance(0.3)) {
      const who = external(r);
      for (let k = 0; k < r.range(1, 5); k++) out.flow(bastion, who, bastion, out.ephemeral(), 22, 6, r.range(10, 24), 3000, h0 + r.int(HOUR), 'ACCEPT');
    }
  }

  // --- Attacks. ---
  const a = random.fork('attacks');
  // Start times are spread over the days; behaviour attacks only after the learning days.
  const anyTime = (length: number) => t0 + a.int(days * DAY - length - HOUR);
  const afterLearning = (length: number) => t0 + learningDays * DAY + a.int((days - learningDays) * DAY - length - HOUR);
  const sshTargets = [bastion, r0(a, web)];
  // Brute force, single source: fast against a closed port (rejected), fast against the open bastion, slow and steady.
  for (const [kind, port, openTarget] of [
    ['SSH', 22, bastion],
    ['RDP', 3389, jump],
  ] as const) {
    const type = `UnauthorizedAccess:EC2/${kind}BruteForce`;
    {
      const actor = external(a);
      const target = kind === 'SSH' ? (sshTargets[1] as string) : r0(a, web);
      const start = anyTime(HOUR);
      const n = a.range(150, 400);
      const span = a.range(600, 1800);
      for (let i = 0; i < n; i++) out.flow(target, actor, target, out.ephemeral(), port, 6, a.range(1, 2), 60, start + Math.floor((i * span) / n), 'REJECT');
      labels.push({ type, style: 'fast, port closed (rejected)', actor, target, port, start, end: start + span + 60 });
    }
    {
      const actor = external(a);
      const start = anyTime(HOUR);
      const n = a.range(80, 300);
      const span = a.range(900, 3000);
      for (let i = 0; i < n; i++) out.flow(openTarget, actor, openTarget, out.ephemeral(), port, 6, a.range(10, 26), a.range(2000, 5000), start + Math.floor((i * span) / n), 'ACCEPT');
      labels.push({ type, style: 'fast, port open (accepted)', actor, target: openTarget, port, start, end: start + span + 60 });
    }
    {
      const actor = external(a);
      const span = a.range(6, 14) * HOUR;
      const start = anyTime(span);
      let at = start;
      while (at < start + span) {
        out.flow(openTarget, actor, openTarget, out.ephemeral(), port, 6, a.range(10, 26), a.range(2000, 5000), at, 'ACCEPT');
        at += a.range(180, 480);
      }
      labels.push({ type, style: 'slow (one try every 3–8 min for hours)', actor, target: openTarget, port, start, end: start + span });
    }
    // Distributed: many sources, a few tries each, spread over hours, one target.
    for (const [style, sources, tries, hours] of [
      ['distributed botnet (30–80 sources, 2–6 tries each, 3–8 h)', a.range(30, 80), [2, 6], a.range(3, 8)],
      ['distributed and quiet (15–25 sources, 3–4 tries each, 8–12 h)', a.range(15, 25), [3, 4], a.range(8, 12)],
    ] as const) {
      const span = hours * HOUR;
      const start = anyTime(span);
      const actors = range(sources, () => external(a));
      const accepted = a.chance(0.5) || openTarget === jump;
      for (const actor of actors) {
        for (let k = 0; k < a.range(tries[0], tries[1]); k++) {
          out.flow(openTarget, actor, openTarget, out.ephemeral(), port, 6, accepted ? a.range(10, 26) : 1, accepted ? 3000 : 40, start + a.int(span), accepted ? 'ACCEPT' : 'REJECT');
        }
      }
      labels.push({ type: `${type}.Distributed`, style, actors, target: openTarget, port, start, end: start + span });
    }
  }
  // Vertical port scans: fast, slow, the top 100 ports only, and one split across several sources.
  const topPorts = [21, 22, 23, 25, 53, 80, 81, 110, 111, 135, 139, 143, 443, 445, 465, 587, 993, 995, 1025, 1433, 1521, 1723, 2049, 2375, 3000, 3306, 3389, 4443, 5000, 5432, 5601, 5900, 5985, 6379, 7001, 8000, 8008, 8080, 8081, 8443, 8888, 9000, 9090, 9200, 9300, 11211, 27017, 50000, 50070, 61616];
  for (const [style, count, span] of [
    ['fast (500–1000 ports in minutes)', a.range(500, 1000), a.range(60, 600)],
    ['slow (150–300 ports over 4–8 h)', a.range(150, 300), a.range(4, 8) * HOUR],
    ['quiet (the 50 most common ports)', topPorts.length, a.range(300, 1800)],
  ] as const) {
    const actor = external(a);
    const target = r0(a, publicHosts);
    const start = anyTime(span);
    const ports = count === topPorts.length ? [...topPorts] : shuffle(a, range(count, (i) => 1 + i * Math.max(1, Math.floor(10000 / count)) + a.int(3)));
    for (const [i, p] of ports.entries()) {
      const open = (p === 443 || p === 80) && web.includes(target);
      out.flow(target, actor, target, 61000 + a.int(1000), p, 6, 1, 44, start + Math.floor((i * span) / ports.length), open ? 'ACCEPT' : 'REJECT');
    }
    labels.push({ type: 'Recon:EC2/Portscan', style, actor, target, start, end: start + span + 60 });
  }
  {
    const target = r0(a, publicHosts);
    const span = a.range(1, 2) * HOUR;
    const start = anyTime(span);
    const actors = range(a.range(5, 10), () => external(a));
    let next = 1;
    for (const actor of actors) {
      for (let k = 0; k < a.range(40, 120); k++) out.flow(target, actor, target, 50000 + a.int(10000), next++ * 7, 6, 1, 44, start + a.int(span), 'REJECT');
    }
    labels.push({ type: 'Recon:EC2/Portscan.Distributed', style: 'distributed (5–10 sources, 40–120 ports each, 1–2 h)', actors, target, start, end: start + span });
  }
  // Horizontal sweeps: fast from the internet, an internet-wide census (slow), and a compromised host inside.
  for (const [style, port, span] of [
    ['fast (one port on every public host in minutes)', a.pick([23, 445, 6379, 2375]), a.range(60, 600)],
    ['slow census (one port on every public host over 2–4 h)', a.pick([8443, 9200, 5900]), a.range(2, 4) * HOUR],
  ] as const) {
    const actor = external(a);
    const start = anyTime(span);
    const targets = shuffle(a, [...publicHosts]);
    for (const [i, target] of targets.entries()) out.flow(target, actor, target, 40000 + a.int(20000), port, 6, 1, 44, start + Math.floor((i * span) / targets.length), 'REJECT');
    labels.push({ type: 'Recon:EC2/PortSweep', style, actor, port, start, end: start + span + 60 });
  }
  {
    const actor = r0(a, app);
    const port = a.pick([445, 22, 3389, 5985]);
    const span = a.range(300, 1800);
    const start = afterLearning(span);
    const targets = range(a.range(60, 120), (i) => `10.0.${6 + Math.floor(i / 250)}.${1 + (i % 250)}`).concat(everyHost.filter((h) => h !== actor));
    for (const [i, target] of targets.entries()) out.flow(actor, actor, target, out.ephemeral(), port, 6, a.range(1, 2), 60, start + Math.floor((i * span) / targets.length), a.chance(0.8) ? 'REJECT' : 'ACCEPT');
    labels.push({ type: 'Recon:EC2/PortSweep', style: 'internal (a compromised app host sweeping the VPC)', actor, port, start, end: start + span + 60 });
  }
  // Exfiltration-sized transfers: a burst to a new address, a slow drip for hours, and the backup host off its hour.
  {
    const actor = r0(a, db);
    const target = external(a);
    const start = afterLearning(HOUR);
    const total = a.range(5, 20) * GiB;
    for (let s = 0; s < 4; s++) out.flow(actor, actor, target, out.ephemeral(), 443, 6, Math.round(total / 4 / 1400), Math.round(total / 4), start + s * 300, 'ACCEPT', 1500);
    labels.push({ type: 'Behavior:EC2/TrafficVolumeUnusual', style: 'burst (5–20 GB in an hour to a new address)', actor, target, start, end: start + HOUR });
  }
  {
    const actor = r0(a, app);
    const target = external(a);
    const hours = a.range(6, 12);
    const start = afterLearning(hours * HOUR);
    for (let h = 0; h < hours; h++) out.flow(actor, actor, target, out.ephemeral(), 443, 6, 300000, a.range(300, 800) * MiB, start + h * HOUR + a.int(600), 'ACCEPT', 3000);
    labels.push({ type: 'Behavior:EC2/TrafficVolumeUnusual', style: 'slow drip (300–800 MB an hour for 6–12 h)', actor, target, start, end: start + hours * HOUR });
  }
  {
    const actor = backupHost;
    const target = external(a);
    let start = afterLearning(HOUR);
    const hourOfDay = Math.floor((start - t0) / HOUR) % 24;
    if (hourOfDay >= 1 && hourOfDay <= 4) start += 6 * HOUR;
    out.flow(actor, actor, target, out.ephemeral(), 443, 6, 3000000, a.range(8, 30) * GiB, start, 'ACCEPT', 3000);
    labels.push({ type: 'Behavior:EC2/TrafficVolumeUnusual', style: 'the backup host, off its hour, to a new address', actor, target, start, end: start + HOUR });
  }
  // Unusual outbound ports: a C2 beacon, an IRC session, a mining pool connection.
  for (const [style, port, beacon] of [
    ['C2 beacon every 5 min for hours', a.pick([4444, 1337, 31337, 8531]), true],
    ['one IRC session', 6667, false],
    ['crypto-mining pool', a.pick([3333, 14444, 5555]), true],
  ] as const) {
    const actor = r0(a, [...web, ...app]);
    const target = external(a);
    const span = beacon ? a.range(2, 10) * HOUR : 1200;
    const start = afterLearning(span);
    for (let at = start; at < start + span; at += beacon ? 300 + a.int(30) : span) out.session(a, { src: actor, dst: target, dport: port, start: at, packets: a.range(6, 40), bytesIn: 2000, bytesOut: 800 });
    labels.push({ type: 'Behavior:EC2/NetworkPortUnusual', style, actor, target, port, start, end: start + span });
  }
  const lines = out.lines.filter((line) => Number(line.split(' ', 11)[10]) < end);
  return { seed, start: t0, days, learningDays, lines, labels, vpcCidr: '10.0.0.0/16', names };
}

interface SessionSpec {
  src: string;
  dst: string;
  dport: number;
  protocol?: number;
  start: number;
  packets: number;
  /** Bytes the client sends (request side) and receives (response side). */
  bytesIn: number;
  bytesOut: number;
  /** Logged on both ENIs (internal traffic). */
  both?: boolean;
}

// Writes default-format (version 2) records as the ENIs of the VPC would log them.
class Emitter {
  readonly lines: string[] = [];
  private port = 32768;

  constructor(private readonly random: Random) {}

  ephemeral(): number {
    this.port = this.port >= 60999 ? 32768 : this.port + 1 + this.random.int(7);
    return this.port;
  }

  /** One record on the ENI of `at`; a long transfer lasts `duration` seconds (kept as one record). */
  flow(at: string, src: string, dst: string, sport: number, dport: number, protocol: number, packets: number, bytes: number, start: number, action: 'ACCEPT' | 'REJECT', duration = 0): void {
    const end = start + Math.max(duration, 1 + (packets > 3 ? 20 : 5));
    this.lines.push(`2 ${ACCOUNT} ${eniOf(at)} ${src} ${dst} ${sport} ${dport} ${protocol} ${Math.max(1, packets)} ${Math.max(40, bytes)} ${start} ${end} ${action} OK`);
  }

  /** An accepted connection: the request and the response records, on the private end(s). */
  session(random: Random, s: SessionSpec): void {
    const sport = this.ephemeral();
    const protocol = s.protocol ?? 6;
    const reply = Math.max(1, Math.round(s.packets * (0.8 + random.float() * 0.4)));
    const ends = s.both ? [s.src, s.dst] : [isOurs(s.src) ? s.src : s.dst];
    for (const at of ends) {
      this.flow(at, s.src, s.dst, sport, s.dport, protocol, s.packets, s.bytesIn, s.start, 'ACCEPT');
      this.flow(at, s.dst, s.src, s.dport, sport, protocol, reply, s.bytesOut, s.start, 'ACCEPT');
    }
  }
}

function isOurs(address: string): boolean {
  return address.startsWith('10.');
}

function eniOf(address: string): string {
  const [, , c, d] = address.split('.').map(Number);
  return `eni-0${((c as number) * 256 + (d as number)).toString(16).padStart(6, '0')}`;
}

// A public unicast address outside private, shared, loopback, link-local, documentation and multicast space.
function externalAddress(random: Random): string {
  for (;;) {
    const a = 1 + random.int(223);
    const b = random.int(256);
    if (a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)) continue;
    if (a === 140 && b === 82) continue; // keep the git hosts' range distinct
    return `${a}.${b}.${random.int(256)}.${1 + random.int(254)}`;
  }
}

function range<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

function r0<T>(random: Random, items: readonly T[]): T {
  return random.pick(items);
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
