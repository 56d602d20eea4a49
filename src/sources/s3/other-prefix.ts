import type { S3Client } from '@aws-sdk/client-s3';
import { listFolder } from './list-objects.js';

// The search for a prefix before AWSLogs/ stops after this many listing calls and this folder depth.
const MAX_CALLS = 40;
const MAX_DEPTH = 3;

/** What was looked at when a prefix held no objects, and the prefixes that do hold the same path. */
export interface OtherPrefixes {
  /** Prefixes holding objects where the given one holds none: the path with or without a prefix before AWSLogs/. */
  found: string[];
  /** The bucket's top-level folders (up to 20), to show the user what is there. */
  topLevel: string[];
}

/**
 * For a prefix that holds no objects, the other forms of it AWS delivery uses: without the folders before
 * `AWSLogs/` (`s3://b/flows/AWSLogs/` → `AWSLogs/`), or with the folders a delivery prefix adds before it
 * (`s3://b/AWSLogs/` → `team/flows/AWSLogs/`, searched a few folder levels deep).
 */
export async function findOtherPrefixes(client: S3Client, bucket: string, prefix: string, signal?: AbortSignal): Promise<OtherPrefixes> {
  const root = await listFolder(client, bucket, '', signal);
  const topLevel = root.folders.slice(0, 20);
  const at = prefix.indexOf('AWSLogs/');
  const found: string[] = [];
  if (at > 0) {
    const bare = prefix.slice(at);
    if ((await listFolder(client, bucket, bare, signal)).hasObjects) found.push(bare);
  } else if (at === 0 || prefix === 'AWSLogs') {
    const rest = prefix === 'AWSLogs' ? 'AWSLogs/' : prefix;
    let calls = 1;
    let level = root.folders.filter((f) => f !== 'AWSLogs/');
    for (let depth = 1; depth <= MAX_DEPTH && level.length > 0 && calls < MAX_CALLS; depth++) {
      const next: string[] = [];
      for (const folder of level) {
        if (calls >= MAX_CALLS) break;
        calls++;
        const listed = await listFolder(client, bucket, folder, signal);
        if (listed.folders.includes(`${folder}AWSLogs/`)) {
          calls++;
          if ((await listFolder(client, bucket, `${folder}${rest}`, signal)).hasObjects) found.push(`${folder}${rest}`);
        } else next.push(...listed.folders);
      }
      level = next;
    }
  }
  return { found, topLevel };
}
