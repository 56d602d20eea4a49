export { buildDeployPlan, filterLogGroup, loadDeployRules, parseDeployRules } from './plan.js';
export type {
  ActionRef,
  AlarmActionLists,
  AlarmParams,
  DeployPlan,
  DeployRules,
  MetricFilterParams,
  NotDeployable,
  PlannedAlarm,
  PlannedFilter,
  PlanOptions,
} from './plan.js';
export { DEPLOY_EXPORT_FORMATS, buildAwsCliInputs, buildCloudFormationTemplate, renderDeployExport, renderTerraform } from './render.js';
export type { AwsCliCall, DeployExportFormat, RenderDeployOptions } from './render.js';
export { deployAlerts, failedCalls, planDeployCalls } from './deploy.js';
export type { DeployCall, DeployOptions, DeployReport } from './deploy.js';
export { renderDeployReport, renderNotDeployable } from './report.js';
