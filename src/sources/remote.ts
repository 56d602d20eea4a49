import { registerSourceKind } from './resolve.js';

// Remote kinds load their modules (and the AWS SDK) only when a source of that kind is named.
registerSourceKind(
  (uri) => /^s3:\/\//i.test(uri),
  async () => (await import('./s3/index.js')).createS3Source,
);
registerSourceKind(
  (uri) => /^cwl:\/\//i.test(uri) || /^arn:aws[a-z-]*:logs:/i.test(uri),
  async () => (await import('./cloudwatch/index.js')).createCloudWatchSource,
);
