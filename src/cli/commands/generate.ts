import { Option } from 'commander';
import type { Command } from 'commander';
import { UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeErr } from '../context.js';
import { logFormatFrom } from '../data.js';
import { parsePositiveInt } from '../options.js';
import { parseTimeOption } from '../time.js';

interface GenerateCommandOptions {
  kind: 'vpc' | 's3-access' | 'cloudtrail';
  records: string;
  seed: string;
  start: string;
  hours: string;
  out?: string;
  layout?: 's3' | 'hive' | 'flat';
  gzip?: boolean;
  gzipLevel?: string;
  style: 's3' | 'cloudwatch' | 'cloudwatch-json';
  logFormat?: string;
  namesOut?: string;
  account?: string;
  region?: string;
  maxObjectMb?: string;
}

/** `flowlens generate`: realistic synthetic VPC flow logs of one simulated account, deterministic by --seed. */
export function registerGenerate(program: Command, context: CliContext): void {
  program
    .command('generate')
    .description('write realistic synthetic VPC flow logs (web tier, database, cache, NAT, endpoints, SSH brute force, port scan); same --seed, same bytes')
    .addOption(new Option('--kind <kind>', 'what to write: VPC flow logs, S3 server access logs or CloudTrail S3 data events').choices(['vpc', 's3-access', 'cloudtrail']).default('vpc'))
    .option('-n, --records <n>', 'number of records', '100000')
    .option('--seed <seed>', 'seed of the pseudo-random generator (any text or number)', '1')
    .option('--start <time>', 'start of the first one-minute window (ISO 8601 or epoch seconds)', '2024-05-01T00:00:00Z')
    .option('--hours <n>', 'hours of traffic to spread the records over', '24')
    .option('-o, --out <dir>', 'write objects under this folder (default: one stream on stdout)')
    .addOption(new Option('--layout <layout>', 'folder layout under --out: AWS S3 prefixes, Hive-compatible prefixes, or flat').choices(['s3', 'hive', 'flat']).default('s3'))
    .option('--gzip', 'gzip the output (default with --out)')
    .option('--no-gzip', 'write plain text (default on stdout)')
    .option('--gzip-level <n>', 'zlib compression level 1-9', '6')
    .addOption(
      new Option('--style <style>', 's3: header line first; cloudwatch: header-less messages; cloudwatch-json: CloudWatch Logs events, one JSON per line')
        .choices(['s3', 'cloudwatch', 'cloudwatch-json'])
        .default('s3'),
    )
    .option('--log-format <format>', "record format in AWS syntax, e.g. '${version} ${srcaddr} ${dstaddr} ${flow-direction}' (default: the v2 format)")
    .option('--names-out <file>', 'also write the known names of the simulated VPC (address or CIDR → name) as YAML')
    .option('--account <id>', 'account id of the simulated VPC', '123456789012')
    .option('--region <region>', 'region of the simulated VPC', 'us-east-1')
    .option('--max-object-mb <n>', 'start a new object when one holds this many MB of text (before compression)', '256')
    .action(async (options: GenerateCommandOptions) => {
      const { writeFlowLogs, buildVpcModel, renderKnownNamesYaml } = await import('../../generate/index.js');
      const records = Number(options.records);
      if (!Number.isSafeInteger(records) || records < 0) throw new UsageError(`--records "${options.records}" is not a non-negative integer`);
      const hours = Number(options.hours);
      if (!(hours > 0) || !Number.isFinite(hours)) throw new UsageError(`--hours "${options.hours}" is not a positive number`);
      const level = parsePositiveInt(options.gzipLevel, '--gzip-level', 6);
      if (level > 9) throw new UsageError(`--gzip-level ${level} is not between 1 and 9`);
      if (!/^\d{12}$/.test(options.account ?? '')) throw new UsageError(`--account "${options.account}" is not a 12-digit AWS account id`);
      if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region ?? '')) throw new UsageError(`--region "${options.region}" is not an AWS region name like us-east-1`);
      if (options.kind !== 'vpc') {
        // S3 access logs and CloudTrail data events of one bucket (top downloaders, copies, denied strangers).
        const { writeAwsLogs } = await import('../../generate/index.js');
        const { records: written, objects } = await writeAwsLogs({
          kind: options.kind,
          records,
          hours,
          seed: options.seed,
          start: parseTimeOption(options.start, '--start'),
          accountId: options.account,
          region: options.region,
          out: options.out,
          stream: context.stdout,
        });
        if (options.out !== undefined) writeErr(context, `generated ${written} ${options.kind} records in ${objects.length} objects under ${options.out}`);
        return;
      }
      const common = { seed: options.seed, accountId: options.account, region: options.region };
      if (options.namesOut) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(options.namesOut, await renderKnownNamesYaml(buildVpcModel(common)));
      }
      const summary = await writeFlowLogs({
        ...common,
        records,
        hours,
        start: parseTimeOption(options.start, '--start'),
        style: options.style,
        format: options.logFormat === undefined ? undefined : logFormatFrom({ logFormat: options.logFormat }),
        out: options.out,
        stream: context.stdout,
        layout: options.layout,
        gzip: options.gzip,
        gzipLevel: level,
        maxObjectBytes: parsePositiveInt(options.maxObjectMb, '--max-object-mb', 256) * 1024 * 1024,
      });
      if (options.out === undefined) return;
      const rate = summary.seconds > 0 ? Math.round(summary.records / summary.seconds) : 0;
      writeErr(
        context,
        `generated ${summary.records} records in ${summary.objects.length} objects (${(summary.textBytes / 1e6).toFixed(1)} MB of text) under ${options.out}, ${summary.seconds.toFixed(2)} s, ${rate} records/s`,
      );
    });
}
