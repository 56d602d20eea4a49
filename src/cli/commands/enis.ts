import type { Command } from 'commander';
import { UsageError } from '../../records/index.js';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { splitList } from '../options.js';

interface EnisSaveOptions {
  vpc?: string;
  eni?: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

/** `flowlens enis save [FILE]`: the account's network interfaces as `aws ec2 describe-network-interfaces` JSON, for `--enis FILE` later or offline. */
export function registerEnis(program: Command, context: CliContext): void {
  const enis = program.command('enis').description('network interfaces (EC2 DescribeNetworkInterfaces) for naming graph nodes');
  enis
    .command('save')
    .argument('[file]', 'where to write the JSON (default: standard output)')
    .description('save the network interfaces of the region as describe-network-interfaces JSON (read back with graph/serve --enis FILE)')
    .option('--vpc <ids>', 'only interfaces of these VPCs (comma-separated vpc-… ids)')
    .option('--eni <ids>', 'only these interfaces (comma-separated eni-… ids)')
    .option('--profile <name>', 'AWS profile')
    .option('--region <region>', 'AWS region')
    .option('--endpoint-url <url>', 'endpoint of an EC2-compatible service')
    .action(async (file: string | undefined, options: EnisSaveOptions) => {
      if (options.vpc !== undefined && options.eni !== undefined) throw new UsageError('give --vpc or --eni, not both', { hint: 'EC2 ANDs filters; run twice for both' });
      const [filter, values] = options.vpc !== undefined ? ['vpc-id', splitList(options.vpc)] : options.eni !== undefined ? ['network-interface-id', splitList(options.eni)] : [undefined, undefined];
      if (filter && (values ?? []).length === 0) throw new UsageError(`--${filter === 'vpc-id' ? 'vpc' : 'eni'} needs at least one id`);
      const { describeNetworkInterfaces } = await import('../../sources/index.js');
      const interfaces = await describeNetworkInterfaces({ profile: options.profile, region: options.region, endpointUrl: options.endpointUrl }, { filter, values });
      const json = `${JSON.stringify({ NetworkInterfaces: interfaces }, null, 2)}\n`;
      if (file === undefined) {
        await writeOut(context, json);
      } else {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(file, json).catch((error: Error) => {
          throw new UsageError(`cannot write ${file}: ${error.message}`, { hint: 'check the folder exists and is writable' });
        });
      }
      writeErr(context, `enis: ${interfaces.length} network interfaces${file === undefined ? '' : ` written to ${file}`}`);
    });
}
