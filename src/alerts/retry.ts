import { setTimeout as sleep } from 'node:timers/promises';

/** Why one delivery attempt failed, and whether another attempt may succeed (network, timeout, throttling, 5xx). */
export interface AttemptFailure {
  message: string;
  retryable: boolean;
  /** What to do about it, when the failure says (e.g. a missing permission). */
  hint?: string | undefined;
}

/** How often and how fast a notifier retries: `retries` more attempts, waiting retryDelay·2^n seconds before each. */
export interface RetrySettings {
  retries: number;
  retryDelay: number;
}

/** Runs `attempt` until it succeeds, fails for good, or the retries run out; resolves to the last failure, if any. */
export async function deliverWithRetries(settings: RetrySettings, attempt: () => Promise<AttemptFailure | undefined>): Promise<AttemptFailure | undefined> {
  let failure: AttemptFailure | undefined;
  for (let n = 0; n <= settings.retries; n++) {
    if (n > 0) await sleep(settings.retryDelay * 1000 * 2 ** (n - 1));
    failure = await attempt();
    if (!failure?.retryable) return failure;
  }
  return failure;
}
