CREATE EXTERNAL TABLE IF NOT EXISTS `s3_access_logs` (
  `bucketowner` string,
  `bucket_name` string,
  `requestdatetime` string,
  `remoteip` string,
  `requester` string,
  `requestid` string,
  `operation` string,
  `key` string,
  `request_uri` string,
  `httpstatus` string,
  `errorcode` string,
  `bytessent` bigint,
  `objectsize` bigint,
  `totaltime` string,
  `turnaroundtime` string,
  `referrer` string,
  `useragent` string,
  `versionid` string,
  `hostid` string,
  `sigv` string,
  `ciphersuite` string,
  `authtype` string,
  `endpoint` string,
  `tlsversion` string,
  `accesspointarn` string,
  `aclrequired` string
)
PARTITIONED BY (`source_account` string, `source_region` string, `source_bucket` string, `timestamp` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES ('input.regex' = '([^ ]*) ([^ ]*) \\[(.*?)\\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) (-|[0-9]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) ([^ ]*)(?: ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*))?.*$')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://access-logs/logs/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source_account.type' = 'injected',
  'projection.source_region.type' = 'injected',
  'projection.source_bucket.type' = 'injected',
  'projection.timestamp.type' = 'date',
  'projection.timestamp.range' = '2024/01/01,NOW',
  'projection.timestamp.format' = 'yyyy/MM/dd',
  'projection.timestamp.interval' = '1',
  'projection.timestamp.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://access-logs/logs/${source_account}/${source_region}/${source_bucket}/${timestamp}'
);
