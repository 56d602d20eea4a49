import type { LogTypeName } from './types.js';

// S3 server access log lines start: bucket owner, bucket, then the bracketed time (Amazon S3 User Guide, LogFormat).
const S3_ACCESS_START = /^\S+ \S+ \[\d{2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] /;
// CloudTrail files are {"Records": [...]} (CloudTrail User Guide, "CloudTrail log file examples"); events carry
// eventVersion/eventSource, also when escaped inside CloudWatch Logs messages; digest files carry digestStartTime.
const CLOUDTRAIL_KEYS = /"(?:Records|eventVersion|eventSource|digestStartTime)"\s*:|\\"(?:eventVersion|eventSource)\\"\s*:/;

/**
 * Tells which kind of log a text sample (the start of a file, decompressed) holds: S3 server access log lines,
 * CloudTrail JSON, else VPC flow logs (plain lines, header lines or CloudWatch Logs JSON), the default.
 */
export function detectLogType(sample: string): LogTypeName {
  const text = sample.trimStart();
  if (text.length === 0) return 'vpc';
  const c = text.charCodeAt(0);
  if (c === 123 /* { */ || c === 91 /* [ */) return CLOUDTRAIL_KEYS.test(text.slice(0, 64 * 1024)) ? 'cloudtrail' : 'vpc';
  const newline = text.indexOf('\n');
  const firstLine = newline < 0 ? text : text.slice(0, newline);
  return S3_ACCESS_START.test(firstLine) ? 's3-access' : 'vpc';
}
