CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs` (
  `version` int,
  `vpc_id` string,
  `srcaddr` string,
  `dstaddr` string,
  `bytes` bigint,
  `start` bigint,
  `end` bigint,
  `action` string,
  `tcp_flags` int
)
PARTITIONED BY (`aws_account` string, `aws_region` string, `day` string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://logs/'
TBLPROPERTIES (
  'skip.header.line.count' = '1',
  'projection.enabled' = 'true',
  'projection.aws_account.type' = 'injected',
  'projection.aws_region.type' = 'injected',
  'projection.day.type' = 'date',
  'projection.day.range' = '2024/01/01,NOW',
  'projection.day.format' = 'yyyy/MM/dd',
  'projection.day.interval' = '1',
  'projection.day.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://logs/AWSLogs/${aws_account}/vpcflowlogs/${aws_region}/${day}'
);
