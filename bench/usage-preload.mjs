// Preloaded (`node --import`) into benchmarked child processes: at exit, writes the process's own
// resource usage (CPU times, peak RSS) as JSON to the file named by FLOWLENS_BENCH_USAGE.
import { writeFileSync } from 'node:fs';

const target = process.env.FLOWLENS_BENCH_USAGE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000, maxRssKb: usage.maxRSS }));
  });
}
