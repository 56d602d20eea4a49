/** C0 controls, DEL and C1 controls: characters a terminal may act on (ESC sequences, BEL, cursor moves). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Escapes control characters from data for a terminal (each as `\xHH`: ESC as `\x1b`, tab as `\x09`), so a value
 * read from a log line can never move the cursor, retitle the window or ring the bell. Table and text output use it;
 * json, ndjson and csv stay exact.
 */
export function escapeControl(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`) : text;
}

/** escapeControl for text of several lines rendered elsewhere (reports): line breaks stay, every other control character is escaped. */
export function escapeControlLines(text: string): string {
  return CONTROL.test(text) ? text.split('\n').map(escapeControl).join('\n') : text;
}
