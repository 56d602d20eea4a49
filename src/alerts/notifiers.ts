import { spawn } from 'node:child_process';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { FlowlensError, redactUrl } from '../records/index.js';
import { toJsonEvent } from './render.js';
import { deliverWithRetries } from './retry.js';
import { createSnsTopic } from './sns-topic.js';
import type { AwsConnection } from './sns-topic.js';
import type { NotifierConfig } from './rules-schema.js';
import type { AlertEvent } from './types.js';
import { isoTime } from './units.js';

/** Delivers alert events somewhere: a stream, a file, a command, a webhook, an SNS topic. */
export interface Notifier {
  /** Unique among the notifiers of a rules file (the `name`, else `<type>-<position>`). */
  readonly name: string;
  /** Whether this notifier wants the event (its `events`, `states`, `alarms` and `minSeverity` filters). */
  accepts(event: AlertEvent): boolean;
  /** Delivers one event; rejects with a FlowlensError (`notify-failed`) when it could not. */
  notify(event: AlertEvent): Promise<void>;
  /** Releases connections (the SNS client); the notifier is not used afterwards. */
  close?(): void;
}

/** Where stream notifiers write, injected so the CLI and tests choose, and the AWS settings of SNS notifiers. */
export interface NotifierIo {
  stdout: Writable;
  stderr: Writable;
  /** The command line's --profile, --region and --endpoint-url (a notifier's own region/endpointUrl win). */
  aws?: AwsConnection | undefined;
}

/** Builds the notifiers of a rules file's `notify:` list. */
export function createNotifiers(configs: readonly NotifierConfig[], io: NotifierIo): Notifier[] {
  return configs.map((config, index) => createNotifier(config, io, config.name ?? `${config.type}-${index + 1}`));
}

/** Builds one notifier from its configuration. */
export function createNotifier(config: NotifierConfig, io: NotifierIo, name: string = config.name ?? config.type): Notifier {
  const accepts = (event: AlertEvent): boolean => acceptsEvent(config, event);
  switch (config.type) {
    case 'stdout':
    case 'stderr': {
      const stream = config.type === 'stdout' ? io.stdout : io.stderr;
      return { name, accepts, notify: async (event) => void stream.write(config.format === 'json' ? `${payload(event)}\n` : `${renderAlertLine(event)}\n`) };
    }
    case 'file':
      return {
        name,
        accepts,
        notify: async (event) => {
          await mkdir(dirname(config.path), { recursive: true });
          await appendFile(config.path, `${payload(event)}\n`);
        },
      };
    case 'command':
      return { name, accepts, notify: (event) => runCommand(name, config.command, payload(event), config.timeout) };
    case 'webhook':
      return { name, accepts, notify: (event) => postWebhook(name, config, event) };
    case 'sns':
      return snsNotifier(name, config, io.aws ?? {}, accepts);
  }
}

/** One line for a person: time, state or finding type, subject, and the reason or description. */
export function renderAlertLine(event: AlertEvent): string {
  if (event.kind === 'alarm') {
    const dims = Object.entries(event.dimensions).map(([k, v]) => `${k}=${v}`).join(',');
    return `${isoTime(event.timestamp)}  ALARM ${event.alarmName}${dims ? ` [${dims}]` : ''}: ${event.previousState} -> ${event.state}  ${event.reason}`;
  }
  return `${isoTime(event.windowStart)}  FINDING ${event.type} (${event.severityLabel} ${event.severity}) ${event.detection}: ${event.description}`;
}

/** The JSON every notifier delivers: the event with ISO 8601 times (see toJsonEvent). */
function payload(event: AlertEvent): string {
  return JSON.stringify(toJsonEvent(event));
}

function acceptsEvent(config: NotifierConfig, event: AlertEvent): boolean {
  if (config.events && !config.events.includes(event.kind)) return false;
  if (event.kind === 'alarm') {
    if (config.states && !config.states.includes(event.state)) return false;
    if (config.alarms && !config.alarms.includes(event.alarmName)) return false;
    return true;
  }
  return config.minSeverity === undefined || event.severity >= config.minSeverity;
}

async function runCommand(name: string, command: string | string[], input: string, timeoutSeconds: number): Promise<void> {
  const [file, args, shell] = typeof command === 'string' ? [command, [], true] : [command[0] as string, command.slice(1), false];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, { shell, stdio: ['pipe', 'ignore', 'pipe'], timeout: timeoutSeconds * 1000 });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    child.on('error', (error) => reject(notifyError(name, `cannot run ${file}: ${error.message}`, 'check the command and that it is on PATH')));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(notifyError(name, `command exited with ${signal ? `signal ${signal}` : `code ${code}`}${stderr.trim() ? `: ${stderr.trim()}` : ''}`, 'the alert JSON is on its standard input'));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

type WebhookConfig = Extract<NotifierConfig, { type: 'webhook' }>;

// Retried: network errors, timeouts, 429 and 5xx, with exponential backoff from retryDelay.
async function postWebhook(name: string, config: WebhookConfig, event: AlertEvent): Promise<void> {
  const { url, authorization } = splitCredentials(config.url);
  const failure = await deliverWithRetries(config, async () => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'flowlens', ...authorization, ...config.headers },
        body: payload(event),
        signal: AbortSignal.timeout(config.timeout * 1000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return undefined;
      return { message: `HTTP ${response.status}`, retryable: response.status >= 500 || response.status === 429 };
    } catch (error) {
      const message = (error as Error).name === 'TimeoutError' ? `no answer within ${config.timeout}s` : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
      return { message, retryable: true };
    }
  });
  // The URL's credentials and query-string tokens are secrets: messages show them as ***.
  if (failure) throw notifyError(name, `POST ${redactUrl(config.url)} failed: ${failure.message}`, 'check the URL and that the receiver is up; the event is retried on the next cycle');
}

/** Moves a URL's user:password into a Basic Authorization header (fetch refuses URLs that carry credentials). */
function splitCredentials(text: string): { url: string; authorization: Record<string, string> } {
  const url = new URL(text);
  if (!url.username && !url.password) return { url: text, authorization: {} };
  const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  url.username = '';
  url.password = '';
  return { url: url.toString(), authorization: { authorization: `Basic ${basic}` } };
}

type SnsConfig = Extract<NotifierConfig, { type: 'sns' }>;

function snsNotifier(name: string, config: SnsConfig, aws: AwsConnection, accepts: (event: AlertEvent) => boolean): Notifier {
  const topic = createSnsTopic(config, aws);
  return {
    name,
    accepts,
    notify: async (event) => {
      const failure = await deliverWithRetries(config, () => topic.publish(event, payload(event)));
      if (failure) throw notifyError(name, `Publish to ${config.topicArn} failed: ${failure.message}`, failure.hint ?? 'the event is retried on the next cycle');
    },
    close: () => topic.close(),
  };
}

function notifyError(name: string, message: string, hint: string): FlowlensError {
  return new FlowlensError('notify-failed', `notifier ${name}: ${message}`, { hint });
}
