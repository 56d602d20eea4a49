/** What replaces a secret in messages. */
export const REDACTED = '***';

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>`]+/gi;

/**
 * A URL with its secrets replaced: user name and password, every query-string value and the fragment
 * (`https://***:***@hooks.example.com/h?token=***`). Text that is no URL comes back unchanged.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (url.username) url.username = REDACTED;
  if (url.password) url.password = REDACTED;
  const keys = [...new Set(url.searchParams.keys())];
  if (keys.length === 0 && !url.search && !url.hash) return url.username || url.password ? url.toString().replaceAll('%2A', '*') : text;
  const query = url.search ? `?${keys.map((key) => `${encodeURIComponent(key)}=${REDACTED}`).join('&') || REDACTED}` : '';
  const hash = url.hash ? `#${REDACTED}` : '';
  return `${url.protocol}//${url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : ''}${url.host}${url.pathname}${query}${hash}`.replaceAll('%2A', '*');
}

/** Text with every http(s) URL in it redacted (see redactUrl): for error messages, logs and summaries. */
export function redactSecrets(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => {
    // A URL at the end of a sentence keeps its closing punctuation outside.
    const trail = /[.,;:)\]]+$/.exec(url)?.[0] ?? '';
    return redactUrl(url.slice(0, url.length - trail.length)) + trail;
  });
}

/** Header names with their values redacted (`Authorization: ***`), for messages about requests. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED]));
}
