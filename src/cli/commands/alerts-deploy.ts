import { Option } from 'commander';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';

interface TopicOptions {
  rules: string;
  logGroup?: string;
  topicArn?: string;
  topicName?: string;
}

interface ExportOptions extends TopicOptions {
  format: string;
}

interface DeployCommandOptions extends TopicOptions {
  dryRun?: boolean;
  format: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

/** `flowlens alerts export|deploy`: the rules file's metric filters and alarms as CloudWatch resources. */
export function registerAlertsDeploy(alerts: Command, context: CliContext): void {
  alerts
    .command('export')
    .description('write the metric filters, alarms and SNS topic as CloudFormation, Terraform or aws-cli inputs')
    .requiredOption('-r, --rules <file>', 'rules file (YAML)')
    .addOption(new Option('--format <format>', 'output format').choices(['cloudformation', 'cloudformation-json', 'terraform', 'aws-cli']).default('cloudformation'))
    .option('--log-group <name>', 'log group the flow logs go to (default: a template parameter / variable)')
    .option('--topic-arn <arn>', 'existing SNS topic the alarms notify (default: the sns notifiers of the rules file)')
    .option('--topic-name <name>', 'SNS topic to create for the alarms')
    .action(async (options: ExportOptions) => {
      const deploy = await import('../../alerts/index.js');
      const plan = deploy.buildDeployPlan(await deploy.loadDeployRules(options.rules), { topicArn: options.topicArn, topicName: options.topicName });
      const text = deploy.renderDeployExport(plan, options.format as 'cloudformation', { logGroup: options.logGroup });
      const notes = deploy.renderNotDeployable(plan.notDeployable, plan.warnings);
      if (notes) writeErr(context, notes);
      await writeOut(context, text);
    });
  alerts
    .command('deploy')
    .description('create or update the metric filters and alarms in CloudWatch (PutMetricFilter, PutMetricAlarm, CreateTopic)')
    .requiredOption('-r, --rules <file>', 'rules file (YAML)')
    .option('--log-group <name>', "log group the flow logs go to (default: each filter's logGroupName)")
    .option('--topic-arn <arn>', 'existing SNS topic the alarms notify (default: the sns notifiers of the rules file)')
    .option('--topic-name <name>', 'SNS topic to create (or reuse) for the alarms')
    .option('--dry-run', 'print the API calls as JSON instead of making them')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--profile <name>', 'AWS profile')
    .option('--region <region>', 'AWS region')
    .option('--endpoint-url <url>', 'endpoint of CloudWatch-, CloudWatch Logs- and SNS-compatible services')
    .action(async (options: DeployCommandOptions) => {
      const deploy = await import('../../alerts/index.js');
      const plan = deploy.buildDeployPlan(await deploy.loadDeployRules(options.rules), { topicArn: options.topicArn, topicName: options.topicName });
      const aws = { profile: options.profile, region: options.region, endpointUrl: options.endpointUrl };
      const report = await deploy.deployAlerts(plan, { logGroup: options.logGroup, aws, dryRun: options.dryRun });
      if (options.dryRun || options.format === 'json') {
        await writeOut(context, `${JSON.stringify(report, null, 2)}\n`);
      } else {
        const notes = deploy.renderNotDeployable(report.notDeployable, report.warnings);
        if (notes) writeErr(context, notes);
        await writeOut(context, deploy.renderDeployReport(report));
      }
      if (deploy.failedCalls(report) > 0) context.exitCode = 1;
    });
}
