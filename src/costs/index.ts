export * from './prices.js';
export * from './aws-inputs.js';
export * from './cost-report.js';
