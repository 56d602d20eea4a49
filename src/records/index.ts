export * from './field-types.js';
export * from './fields.js';
export * from './errors.js';
export { VPC_FIELDS, TRANSIT_GATEWAY_FIELDS } from './field-list.js';
export * from './address.js';
export * from './redact.js';
export * from './json-value.js';
export { closestName } from './closest-name.js';
