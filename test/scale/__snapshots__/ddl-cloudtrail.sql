CREATE EXTERNAL TABLE IF NOT EXISTS `cloudtrail_logs` (
  `eventversion` STRING,
  `useridentity` STRUCT<type:STRING,principalid:STRING,arn:STRING,accountid:STRING,invokedby:STRING,accesskeyid:STRING,username:STRING,onbehalfof:STRUCT<userid:STRING,identitystorearn:STRING>,sessioncontext:STRUCT<attributes:STRUCT<mfaauthenticated:STRING,creationdate:STRING>,sessionissuer:STRUCT<type:STRING,principalid:STRING,arn:STRING,accountid:STRING,username:STRING>,ec2roledelivery:STRING,webidfederationdata:STRUCT<federatedprovider:STRING,attributes:MAP<STRING,STRING>>>>,
  `eventtime` STRING,
  `eventsource` STRING,
  `eventname` STRING,
  `awsregion` STRING,
  `sourceipaddress` STRING,
  `useragent` STRING,
  `errorcode` STRING,
  `errormessage` STRING,
  `requestparameters` STRING,
  `responseelements` STRING,
  `additionaleventdata` STRING,
  `requestid` STRING,
  `eventid` STRING,
  `readonly` STRING,
  `resources` ARRAY<STRUCT<arn:STRING,accountid:STRING,type:STRING>>,
  `eventtype` STRING,
  `apiversion` STRING,
  `recipientaccountid` STRING,
  `serviceeventdetails` STRING,
  `sharedeventid` STRING,
  `vpcendpointid` STRING,
  `vpcendpointaccountid` STRING,
  `eventcategory` STRING,
  `addendum` STRUCT<reason:STRING,updatedfields:STRING,originalrequestid:STRING,originaleventid:STRING>,
  `sessioncredentialfromconsole` STRING,
  `edgedevicedetails` STRING,
  `tlsdetails` STRUCT<tlsversion:STRING,ciphersuite:STRING,clientprovidedhostheader:STRING>
)
PARTITIONED BY (`aws_account` string, `aws_region` string, `timestamp` string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://trail-bucket/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.aws_account.type' = 'injected',
  'projection.aws_region.type' = 'enum',
  'projection.aws_region.values' = 'us-east-1',
  'projection.timestamp.type' = 'date',
  'projection.timestamp.range' = '2024/01/01,NOW',
  'projection.timestamp.format' = 'yyyy/MM/dd',
  'projection.timestamp.interval' = '1',
  'projection.timestamp.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://trail-bucket/AWSLogs/${aws_account}/CloudTrail/${aws_region}/${timestamp}'
);
