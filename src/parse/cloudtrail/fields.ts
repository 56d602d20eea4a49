import type { LogColumn, LogTableType } from '../log-type/types.js';
import { ADDENDUM_SHAPE, RESOURCES_SHAPE, shapeSqlType, TLS_DETAILS_SHAPE, USER_IDENTITY_SHAPE } from './shapes.js';
import type { Shape } from './shapes.js';

// Columns of AWS's Athena DDL for CloudTrail, in its order ("Create a table for CloudTrail logs in Athena using
// manual partitioning"); meanings from "CloudTrail record contents" in the CloudTrail User Guide.
const text = (name: string, description: string): LogColumn => ({ name, kind: 'string', sqlType: 'VARCHAR', record: true, description });
/** The nested shape of each struct column, as the Athena DDL declares it. */
export const CLOUDTRAIL_STRUCT_SHAPES: Readonly<Record<string, Shape>> = {
  useridentity: USER_IDENTITY_SHAPE,
  resources: RESOURCES_SHAPE,
  addendum: ADDENDUM_SHAPE,
  tlsdetails: TLS_DETAILS_SHAPE,
};
const struct = (name: string, description: string): LogColumn => ({
  name,
  kind: 'struct',
  sqlType: shapeSqlType(CLOUDTRAIL_STRUCT_SHAPES[name] as Shape),
  record: true,
  description,
});
const derived = (name: string, description: string): LogColumn => ({ name, kind: 'string', sqlType: 'VARCHAR', record: false, description });

/** Every CloudTrail column: the DDL's record fields, then its partition columns and flowlens's derived ones. */
export const CLOUDTRAIL_COLUMNS: readonly LogColumn[] = [
  text('eventversion', 'Version of the log event format (1.11 today).'),
  struct('useridentity', 'Who made the request: type, principalid, arn, accountid, accesskeyid, username, sessioncontext.sessionissuer, ...'),
  text('eventtime', 'When the request was completed, UTC, as AWS writes it: 2019-02-01T03:18:19Z.'),
  text('eventsource', 'The service the request was made to, e.g. s3.amazonaws.com.'),
  text('eventname', 'The requested action, e.g. GetObject.'),
  text('awsregion', 'The AWS Region the request was made to.'),
  text('sourceipaddress', 'IP address the request came from, or a service name such as AWS Internal.'),
  text('useragent', 'The agent through which the request was made.'),
  text('errorcode', 'The AWS service error, when the request failed.'),
  text('errormessage', 'The error description, when the request failed.'),
  text('requestparameters', 'The request parameters, as JSON text (query with json_extract_scalar).'),
  text('responseelements', 'The response elements of actions that make changes, as JSON text.'),
  text('additionaleventdata', 'Additional data about the event, as JSON text.'),
  text('requestid', 'The service-generated request id.'),
  text('eventid', 'CloudTrail-generated GUID of the event.'),
  struct('resources', 'Resources accessed: a list of {arn, accountid, type}.'),
  text('eventtype', 'AwsApiCall, AwsServiceEvent, AwsConsoleAction, AwsConsoleSignIn, ...'),
  text('apiversion', 'The API version of AwsApiCall events, when the service has one.'),
  text('readonly', 'true when the operation only reads, false otherwise (text, as in the DDL).'),
  text('recipientaccountid', 'The account id that received the event.'),
  text('serviceeventdetails', 'Details of a service event, as JSON text.'),
  text('sharedeventid', 'GUID shared by the copies of an event delivered to several accounts.'),
  text('vpcendpointid', 'The VPC endpoint the request went through.'),
  text('vpcendpointaccountid', 'The account owning the VPC endpoint the request went through.'),
  text('eventcategory', 'Management, Data, Insight or NetworkActivity.'),
  struct('addendum', 'Why a delayed or updated event was delivered: reason, updatedfields, originalrequestid, originaleventid.'),
  text('sessioncredentialfromconsole', 'true when the request came from an AWS Management Console session.'),
  text('edgedevicedetails', 'The edge device (e.g. an Outpost) that was the target of the request, as JSON text.'),
  struct('tlsdetails', 'TLS version, cipher suite and client-provided host header of the request.'),
  // Record fields the DDL leaves out ("CloudTrail record contents"); flowlens keeps them.
  text('managementevent', 'true for a management event, false for a data or network activity event (text, like readonly).'),
  text('insightdetails', 'Of CloudTrail Insights events: state, eventsource, eventname, insighttype, insightcontext, as JSON text.'),
  derived('region', 'Partition column of the DDL: the region folder of the object key (AWSLogs/{account}/CloudTrail/{region}/...), else awsregion.'),
  derived('year', 'Partition column: YYYY of the object key, else of eventtime.'),
  derived('month', 'Partition column: MM of the object key, else of eventtime.'),
  derived('day', 'Partition column: DD of the object key, else of eventtime.'),
  { name: 'event_time', kind: 'timestamp', sqlType: 'TIMESTAMP', record: false, description: 'eventtime as a UTC TIMESTAMP (flowlens).' },
  derived('bucketname', 'requestparameters.bucketName (flowlens), for S3 data events.'),
  derived('key', 'requestparameters.key (flowlens), the object key of S3 data events.'),
];

/** CloudTrail logs, stored in the `cloudtrail` table. */
export const CLOUDTRAIL_LOG_TYPE: LogTableType = {
  name: 'cloudtrail',
  table: 'cloudtrail',
  columns: CLOUDTRAIL_COLUMNS,
  timeColumn: 'event_time',
};
