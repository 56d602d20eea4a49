import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { writeErr, writeOut } from '../context.js';
import { escapeControlLines } from '../escape.js';
import { openData } from '../data.js';
import { addReadingOptions, parseSelection } from '../options.js';
import type { ReadingOptions } from '../options.js';
import { registerAlertsDeploy } from './alerts-deploy.js';

interface AlertsRunOptions extends ReadingOptions {
  rules: string;
  samples: string;
  notify?: boolean;
  showSuppressed?: boolean;
  interfaces?: string;
}

/** `flowlens alerts run|check`: evaluate a rules file over stored or given flow logs, or validate it. */
export function registerAlerts(program: Command, context: CliContext): void {
  const alerts = program.command('alerts').description('CloudWatch-style metric filters and alarms, and GuardDuty-style detections, over flow logs');
  addReadingOptions(
    alerts
      .command('run')
      .alias('backtest')
      .argument('[source...]', 'files, folders, -, s3://bucket/prefix, cwl://log-group (default: the database)')
      .requiredOption('-r, --rules <file>', 'rules file (YAML): metricFilters, alarms, detections, notify')
      .option('--samples <n>', 'flow records shown for each ALARM transition', '3')
      .option('--notify', "also send every event to the rules file's notifiers")
      .option('--show-suppressed', 'also list the findings a suppression rule archived (they are always counted)')
      .option('--interfaces <file>', '`aws ec2 describe-network-interfaces` JSON: the addresses of these interfaces are inside the VPC'),
    ['table', 'json', 'ndjson'],
  )
    .description('evaluate alarms over history (every state change with its time, datapoints and records) and run the detections')
    .action(async (sources: string[], options: AlertsRunOptions) => {
      const { loadRulesFile, runAlerts, renderAlertsReport, reportEvents, toJsonEvent, createNotifiers } = await import('../../alerts/index.js');
      const rules = await loadRulesFile(options.rules);
      const interfaceAddresses = options.interfaces ? [...(await (await import('../../graph/index.js')).loadNetworkInterfacesFile(options.interfaces)).eniAddresses.keys()] : undefined;
      const selection = parseSelection(options);
      const samples = Number(options.samples);
      const data = await openData(context, sources, options, selection);
      try {
        const report = await runAlerts(data.store, rules, { where: data.where, start: selection.start, end: selection.end, samples: Number.isInteger(samples) && samples >= 0 ? samples : 3, interfaceAddresses });
        if (options.format === 'ndjson') {
          const events = [...reportEvents(report), ...(options.showSuppressed ? report.suppressed : [])];
          await writeOut(context, events.map((e) => `${JSON.stringify(toJsonEvent(e))}\n`).join(''));
        } else if (options.format === 'json') {
          const json = { range: report.range, alarms: report.alarms.map(toJsonEvent), findings: report.findings.map(toJsonEvent), suppressed: report.suppressed.map(toJsonEvent), states: report.states };
          await writeOut(context, `${JSON.stringify(json, null, 2)}\n`);
        } else {
          // Samples quote log values: escaped for the terminal like every table.
          await writeOut(context, escapeControlLines(renderAlertsReport(report, rules, { showSuppressed: options.showSuppressed })));
        }
        if (options.notify) {
          const aws = { profile: options.profile, region: options.region, endpointUrl: options.endpointUrl };
          for (const notifier of createNotifiers(rules.notify, { stdout: context.stdout, stderr: context.stderr, aws })) {
            for (const event of reportEvents(report)) {
              if (!notifier.accepts(event)) continue;
              await notifier.notify(event).catch((error: Error) => {
                writeErr(context, `warning: ${error.message}`);
                context.exitCode = 1;
              });
            }
            notifier.close?.();
          }
        }
      } finally {
        data.close();
      }
    });
  alerts
    .command('check')
    .requiredOption('-r, --rules <file>', 'rules file to validate')
    .description('validate a rules file and summarise what it defines')
    .action(async (options: { rules: string }) => {
      const { loadRulesFile, renderRulesSummary } = await import('../../alerts/index.js');
      await writeOut(context, renderRulesSummary(await loadRulesFile(options.rules)));
    });
  registerAlertsDeploy(alerts, context);
}
