export * from './types.js';
export * from './local.js';
export * from './resolve.js';
import './remote.js';
export * from './network-interfaces.js';
export { buildAwsClientConfig } from './aws/client-config.js';
export type { AwsClientConfig, AwsRetrySettings } from './aws/client-config.js';
export { toSourceError } from './aws/errors.js';
export type { AwsCallInfo } from './aws/errors.js';
