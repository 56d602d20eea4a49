import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { SourceError } from '../records/index.js';
import { buildServiceClientConfig } from '../sources/aws/client-config.js';
import type { AwsOptions } from '../sources/aws/client-config.js';
import type { S3Location } from './aws-config.js';
import { joinKey, parseS3Uri } from './aws-config.js';
import type { ExportedFile } from './parquet-export.js';

/** Options for uploading an export. */
export interface UploadOptions {
  /** Files uploaded at once. */
  concurrency?: number;
  onUploaded?: (file: ExportedFile, key: string) => void;
}

/** Uploads exported files (paths relative to `localDir`) under an S3 prefix, multipart for large files; returns the keys. */
export async function uploadFiles(client: S3Client, localDir: string, files: readonly ExportedFile[], target: S3Location, options: UploadOptions = {}): Promise<string[]> {
  const { Upload } = await import('@aws-sdk/lib-storage');
  const keys: string[] = [];
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const key = joinKey(target.prefix, file.path);
      try {
        const upload = new Upload({
          client,
          params: { Bucket: target.bucket, Key: key, Body: createReadStream(join(localDir, file.path)), ContentType: 'application/vnd.apache.parquet' },
          queueSize: 4,
          partSize: 16 * 1024 * 1024,
        });
        await upload.done();
      } catch (error) {
        throw new SourceError('s3-upload', `cannot upload ${file.path} to s3://${target.bucket}/${key}: ${(error as Error).message}`, {
          hint: 'check the bucket name, your credentials (--profile) and s3:PutObject permission',
          cause: error,
        });
      }
      keys.push(key);
      options.onUploaded?.(file, key);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return keys.sort();
}

/**
 * Uploads exported files to an `s3://bucket/prefix` location with an S3 client built from AWS settings the way the
 * AWS CLI takes them (buildServiceClientConfig), destroyed afterwards; returns the keys.
 */
export async function uploadExport(localDir: string, files: readonly ExportedFile[], out: string, options: AwsOptions & UploadOptions & { env?: Record<string, string | undefined> }): Promise<string[]> {
  const target = parseS3Uri(out);
  const { S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client(await buildServiceClientConfig(options, options.env));
  try {
    return await uploadFiles(client, localDir, files, target, options);
  } finally {
    client.destroy();
  }
}
