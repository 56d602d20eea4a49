import { flowLine } from './helpers.js';

/** Start of the scenario: 2024-05-01T10:00:00Z. */
export const T = 1714557600;

/**
 * A small VPC hour with one of each attack the detections look for, plus ordinary traffic that must not
 * trigger them: a web server answering many client ports, an instance calling many HTTPS endpoints.
 */
export function scenarioLines(): string[] {
  const lines: string[] = [];
  // SSH brute force: 30 rejected attempts from one address in 10 minutes.
  for (let i = 0; i < 30; i++) lines.push(flowLine({ src: '203.0.113.50', dst: '10.0.1.10', srcport: 40000 + i, dstport: 22, start: T + i * 20, eni: 'eni-0web' }));
  // RDP brute force, accepted (the port is open).
  for (let i = 0; i < 25; i++) lines.push(flowLine({ src: '198.51.100.23', dst: '10.0.1.11', srcport: 50000 + i, dstport: 3389, packets: 6, start: T + 60 + i * 10, action: 'ACCEPT', eni: 'eni-0rdp' }));
  // Port scan of 10.0.1.10: ports 1–100 rejected, except 22 and 80, which the security group lets in.
  for (let port = 1; port <= 100; port++) {
    const open = port === 22 || port === 80;
    lines.push(flowLine({ src: '192.0.2.99', dst: '10.0.1.10', srcport: 61000, dstport: port, start: T + 900 + port, action: open ? 'ACCEPT' : 'REJECT', eni: 'eni-0web' }));
  }
  // Port sweep: telnet on 30 hosts.
  for (let h = 1; h <= 30; h++) lines.push(flowLine({ src: '192.0.2.77', dst: `10.0.2.${h}`, srcport: 55555, dstport: 23, start: T + 1200 + h, eni: `eni-0h${h}` }));
  // An instance talking IRC to the internet.
  lines.push(flowLine({ src: '10.0.1.12', dst: '203.0.113.200', srcport: 50123, dstport: 6667, packets: 40, bytes: 4000, start: T + 1500, action: 'ACCEPT', eni: 'eni-0irc' }));
  // 2 GiB out to one address.
  for (let i = 0; i < 4; i++) lines.push(flowLine({ src: '10.0.1.13', dst: '198.51.100.99', srcport: 45000 + i, dstport: 443, packets: 400000, bytes: 512 * 1024 ** 2, start: T + 1800 + i * 60, action: 'ACCEPT', eni: 'eni-0db' }));
  // Ordinary: a web server answering 40 client connections (responses go to 40 ephemeral ports) ...
  for (let i = 0; i < 40; i++) {
    lines.push(flowLine({ src: '203.0.113.9', dst: '10.0.1.10', srcport: 33000 + i, dstport: 443, packets: 12, bytes: 2000, start: T + 2000 + i, action: 'ACCEPT', eni: 'eni-0web' }));
    lines.push(flowLine({ src: '10.0.1.10', dst: '203.0.113.9', srcport: 443, dstport: 33000 + i, packets: 10, bytes: 9000, start: T + 2000 + i, action: 'ACCEPT', eni: 'eni-0web' }));
  }
  // ... and an instance calling 30 HTTPS endpoints.
  for (let i = 0; i < 30; i++) lines.push(flowLine({ src: '10.0.1.14', dst: `52.94.1.${i + 1}`, srcport: 47000 + i, dstport: 443, packets: 30, bytes: 30000, start: T + 2400 + i, action: 'ACCEPT', eni: 'eni-0app' }));
  return lines;
}
