import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** Nested subcommands (`export parquet`, `athena ddl`) get the exit override and streams runCli gives top-level ones. */
export function nestedCommand(parent: Command, name: string, context: CliContext): Command {
  return parent
    .command(name)
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.stdout.write(text), writeErr: (text) => context.stderr.write(text) });
}

/** The AWS options the Athena and S3 commands share. */
export interface AwsCliOptions {
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

/** Adds --profile, --region and --endpoint-url. */
export function addAwsOptions(command: Command): Command {
  return command
    .option('--profile <name>', 'AWS profile (default: the SDK credential chain)')
    .option('--region <region>', "AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's region in ~/.aws/config, else us-east-1)")
    .option('--endpoint-url <url>', 'an S3- or Athena-compatible endpoint');
}
