// SDK-rendered errors, shape by shape: named positives and near misses, from each SDK's own template.
import { describe, expect, it } from 'vitest';
import { extractRecord } from '../src/extract/index.js';
import type { OssErrorEvent } from '../src/extract/types.js';
import { runChunks } from './helpers/pipeline.js';

const READ_TIME = '2026-11-24T12:00:00.000Z';
type Want = Partial<
  Pick<OssErrorEvent, 'code' | 'status' | 'requestId' | 'sdk' | 'shape' | 'message' | 'bucket' | 'key'>
>;
const pick = (e: OssErrorEvent, want: Want) =>
  Object.fromEntries(Object.keys(want).map((k) => [k, e[k as keyof OssErrorEvent]]));

/** One record straight into extraction. */
function one(text: string): OssErrorEvent[] {
  return extractRecord({ text, source: 'test.log', line: 1 }, READ_TIME).events;
}

/** Lines through the real framing (multi-line assembly) and extraction. */
async function framed(text: string): Promise<OssErrorEvent[]> {
  return (await runChunks([Buffer.from(text)])).events;
}

const OSS_ERR_XML =
  'PD94bWwgdmVyc2lvbj0iMS4wIiBlbmNvZGluZz0iVVRGLTgiPz4KPEVycm9yPjxDb2RlPk5vU3VjaEtleTwvQ29kZT48TWVzc2FnZT5UaGUgc3BlY2lmaWVkIGtleSBkb2VzIG5vdCBleGlzdC48L01lc3NhZ2U+PFJlcXVlc3RJZD41QzNEOTE3NUI2RkMyMDEyOTNBRDQ4OTA8L1JlcXVlc3RJZD48SG9zdElkPmIub3NzLWNuLWhhbmd6aG91LmFsaXl1bmNzLmNvbTwvSG9zdElkPjxFQz4wMDI2LTAwMDAwMDAxPC9FQz48L0Vycm9yPg==';

type Case = [shape: string, name: string, text: string, want: Want[]];

// Positives: each gives exactly the events listed. Near misses (want = []) give none.
const CASES: Case[] = [
  // botocore / boto3 / aws-cli
  [
    'botocore',
    'ClientError line',
    'botocore.exceptions.ClientError: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.',
    [
      {
        code: 'NoSuchKey',
        status: 404,
        sdk: 'botocore',
        shape: 'sdk',
        message: 'The specified key does not exist.',
      },
    ],
  ],
  [
    'botocore',
    'with the retry summary',
    'botocore.exceptions.ClientError: An error occurred (SlowDown) when calling the PutObject operation (reached max retries: 4): Please reduce your request rate.',
    [{ code: 'SlowDown', sdk: 'botocore', message: 'Please reduce your request rate.' }],
  ],
  [
    'botocore',
    'aws-cli HEAD without a body: the status is the code',
    'fatal error: An error occurred (404) when calling the HeadObject operation: Not Found',
    [{ code: 'NotFound', status: 404, sdk: 'botocore' }],
  ],
  [
    'botocore',
    'Python logging as JSON with the traceback in a field',
    '{"time":"2026-11-24T10:00:00Z","level":"error","msg":"sync failed","exc_info":"Traceback (most recent call last):\\n  File \\"/app/s.py\\", line 3, in <module>\\nbotocore.errorfactory.NoSuchBucket: An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: The specified bucket does not exist"}',
    [{ code: 'NoSuchBucket', status: 404, sdk: 'botocore' }],
  ],
  [
    'botocore',
    'near miss: an STS operation',
    'botocore.exceptions.ClientError: An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.',
    [],
  ],
  [
    'botocore',
    'near miss: AccessDenied from STS AssumeRole',
    'An error occurred (AccessDenied) when calling the AssumeRole operation: User is not authorized',
    [],
  ],
  // aws-sdk-go v1 (awserr) and rclone, which prints it
  [
    'aws-sdk-go',
    'two lines joined by framing',
    'NoSuchKey: The specified key does not exist.\n\tstatus code: 404, request id: 5C3D9175B6FC2012, host id: Zm9vYmFy',
    [{ code: 'NoSuchKey', status: 404, requestId: '5C3D9175B6FC2012', sdk: 'aws-sdk-go' }],
  ],
  [
    'aws-sdk-go',
    'logfmt msg with the newline escaped',
    'time="2026-11-24T10:00:00Z" level=error msg="download s3://logs-bucket/a/b.gz: AccessDenied: Access Denied\\n\\tstatus code: 403, request id: 8A1B2C, host id: aG9zdA=="',
    [
      {
        code: 'AccessDenied',
        status: 403,
        requestId: '8A1B2C',
        bucket: 'logs-bucket',
        key: 'a/b.gz',
        message: 'Access Denied',
      },
    ],
  ],
  [
    'aws-sdk-go',
    'a JSON field',
    '{"level":"error","error":"NoSuchBucket: The specified bucket does not exist\\n\\tstatus code: 404, request id: R1, host id: H1"}',
    [{ code: 'NoSuchBucket', status: 404, requestId: 'R1', sdk: 'aws-sdk-go' }],
  ],
  [
    'aws-sdk-go',
    'near miss: a DynamoDB error of the same shape (no host id, not a store code)',
    'ResourceNotFoundException: Requested resource not found\n\tstatus code: 400, request id: QWERTY',
    [],
  ],
  // AWS SDK for Java v1, Hadoop S3A, Spark; COS Java
  [
    'aws-sdk-java',
    'AmazonS3Exception',
    'com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 8A1B; S3 Extended Request ID: ext=), S3 Extended Request ID: ext=',
    [{ code: 'AccessDenied', status: 403, requestId: '8A1B', sdk: 'aws-sdk-java', message: 'Access Denied' }],
  ],
  [
    'aws-sdk-java',
    'Hadoop S3A with "403 Forbidden" as the code',
    'java.nio.file.AccessDeniedException: s3a://lake/t/p=1: getFileStatus on s3a://lake/t/p=1: com.amazonaws.services.s3.model.AmazonS3Exception: Forbidden (Service: Amazon S3; Status Code: 403; Error Code: 403 Forbidden; Request ID: R9; S3 Extended Request ID: E9=), S3 Extended Request ID: E9=:403 Forbidden',
    [{ code: 'Forbidden', status: 403, requestId: 'R9', bucket: 'lake', key: 't/p=1', message: 'Forbidden' }],
  ],
  [
    'aws-sdk-java',
    'COS Java (QCloudServiceException)',
    'com.tencent.cos.xml.exception.CosXmlServiceException: The specified key does not exist. (Service: Cos; Status Code: 404; Status Message: Not Found; Error Code: NoSuchKey; Request ID: NjA4YmY3)',
    [{ code: 'NoSuchKey', status: 404, requestId: 'NjA4YmY3', sdk: 'cos-java-sdk' }],
  ],
  [
    'aws-sdk-java',
    'near miss: STS through the same template',
    'com.amazonaws.services.securitytoken.model.AWSSecurityTokenServiceException: The security token included in the request is invalid. (Service: AWSSecurityTokenService; Status Code: 403; Error Code: InvalidClientTokenId; Request ID: R)',
    [],
  ],
  [
    'aws-sdk-java',
    'near miss: DynamoDB',
    'com.amazonaws.services.dynamodbv2.model.AmazonDynamoDBException: Access Denied (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: AccessDeniedException; Request ID: R)',
    [],
  ],
  // AWS SDK for Java v2
  [
    'aws-sdk-java-v2',
    'a modeled exception names the code',
    'software.amazon.awssdk.services.s3.model.NoSuchKeyException: The specified key does not exist. (Service: S3, Status Code: 404, Request ID: R2, Extended Request ID: E2)',
    [{ code: 'NoSuchKey', status: 404, requestId: 'R2', sdk: 'aws-sdk-java-v2' }],
  ],
  [
    'aws-sdk-java-v2',
    'generic S3Exception: the code from S3’s fixed message',
    'software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403, Request ID: R3, Extended Request ID: E3)',
    [{ code: 'AccessDenied', status: 403, requestId: 'R3' }],
  ],
  [
    'aws-sdk-java-v2',
    'near miss: another service',
    'software.amazon.awssdk.services.sts.model.StsException: The security token included in the request is invalid. (Service: Sts, Status Code: 403, Request ID: R)',
    [],
  ],
  // aws-sdk-go-v2
  [
    'aws-sdk-go-v2',
    'api error',
    'operation error S3: GetObject, https response error StatusCode: 404, RequestID: R4, HostID: H4, api error NoSuchKey: The specified key does not exist.',
    [
      {
        code: 'NoSuchKey',
        status: 404,
        requestId: 'R4',
        sdk: 'aws-sdk-go-v2',
        message: 'The specified key does not exist.',
      },
    ],
  ],
  [
    'aws-sdk-go-v2',
    'HEAD without a body',
    'level=error msg="stat failed" err="operation error S3: HeadObject, https response error StatusCode: 404, RequestID: R5, HostID: H5, NotFound: Not Found"',
    [{ code: 'NotFound', status: 404, requestId: 'R5' }],
  ],
  [
    'aws-sdk-go-v2',
    'near miss: STS',
    'operation error STS: GetCallerIdentity, https response error StatusCode: 403, RequestID: R, api error InvalidClientTokenId: The security token included in the request is invalid.',
    [],
  ],
  // Alibaba OSS Go SDK v1 and v2
  [
    'aliyun-oss-go-sdk',
    'quoted message and Ec',
    'oss: service returned error: StatusCode=403, ErrorCode=AccessDenied, ErrorMessage="You have no right to access this object.", RequestId=5B8E, Ec=0003-00000001',
    [
      {
        code: 'AccessDenied',
        status: 403,
        requestId: '5B8E',
        sdk: 'aliyun-oss-go-sdk',
        message: 'You have no right to access this object.',
      },
    ],
  ],
  [
    'aliyun-oss-go-sdk',
    'older release, unquoted, inside logfmt',
    'level=error msg="oss: service returned error: StatusCode=404, ErrorCode=NoSuchBucket, ErrorMessage=The specified bucket does not exist., RequestId=5C1A"',
    [
      {
        code: 'NoSuchBucket',
        status: 404,
        requestId: '5C1A',
        message: 'The specified bucket does not exist.',
      },
    ],
  ],
  [
    'alibabacloud-oss-go-sdk-v2',
    'the block as one JSON field',
    '{"level":"error","err":"operation error GetObject: Error returned by Service. \\nHttp Status Code: 404. \\nError Code: NoSuchKey. \\nRequest Id: 5C3D. \\nMessage: The specified key does not exist..\\nEC: 0026-00000001.\\nTimestamp: 2026-11-24 10:00:00 +0000 UTC.\\nRequest Endpoint: GET https://b1.oss-cn-hangzhou.aliyuncs.com/a.txt."}',
    [
      {
        code: 'NoSuchKey',
        status: 404,
        requestId: '5C3D',
        bucket: 'b1',
        key: 'a.txt',
        message: 'The specified key does not exist.',
      },
    ],
  ],
  // Alibaba OSS Java SDK
  [
    'aliyun-oss-java-sdk',
    'getMessage with the newlines escaped in a JSON log',
    '{"level":"ERROR","stack_trace":"com.aliyun.oss.OSSException: The specified key does not exist.\\n[ErrorCode]: NoSuchKey\\n[RequestId]: 5C3D\\n[HostId]: b.oss-cn-hangzhou.aliyuncs.com\\n\\tat com.aliyun.oss.common.utils.ExceptionFactory.createOSSException(ExceptionFactory.java:114)"}',
    [
      {
        code: 'NoSuchKey',
        status: 404,
        requestId: '5C3D',
        sdk: 'aliyun-oss-java-sdk',
        message: 'The specified key does not exist.',
      },
    ],
  ],
  [
    'aliyun-oss-java-sdk',
    'near miss: another Alibaba product’s code',
    'com.aliyun.mns.common.ServiceException: Queue not exist\n[ErrorCode]: QueueNotExist\n[RequestId]: 5C3D',
    [],
  ],
  // oss2 (Python)
  [
    'oss2',
    'exception line with request id and details',
    "oss2.exceptions.NoSuchKey: {'status': 404, 'x-oss-request-id': '5C3D', 'details': {'Code': 'NoSuchKey', 'Message': 'The specified key does not exist.', 'RequestId': '5C3D', 'HostId': 'b.oss-cn-hangzhou.aliyuncs.com', 'Key': 'a/b.txt'}}",
    [{ code: 'NoSuchKey', status: 404, requestId: '5C3D', key: 'a/b.txt', sdk: 'oss2' }],
  ],
  [
    'oss2',
    'older release: no request id beside the status',
    "oss2.exceptions.AccessDenied: {'status': 403, 'details': {'Code': 'AccessDenied', 'Message': \"You don't have access\", 'RequestId': '6A1B'}}",
    [{ code: 'AccessDenied', status: 403, requestId: '6A1B', message: "You don't have access" }],
  ],
  [
    'oss2',
    'near miss: a client-side error has no Code',
    "oss2.exceptions.RequestError: {'status': -2, 'x-oss-request-id': '', 'details': \"RequestError: ('Connection aborted.')\"}",
    [],
  ],
  // s3cmd, minio-go, minio-java, COS Go
  [
    's3cmd',
    'S3 error line',
    'ERROR: S3 error: 403 (AccessDenied): Access Denied',
    [{ code: 'AccessDenied', status: 403, sdk: 's3cmd' }],
  ],
  ['s3cmd', 'near miss: a network error', 'ERROR: [Errno 111] Connection refused', []],
  [
    'minio-go',
    'ErrorResponse printed with %+v',
    'level=error err="{XMLName:{Space: Local:Error} Code:NoSuchKey Message:The specified key does not exist. BucketName:photos Key:2026/a.jpg Resource:/photos/2026/a.jpg RequestID:17A0 HostID:dd9025 Region:us-east-1 Server:MinIO StatusCode:404}"',
    [
      {
        code: 'NoSuchKey',
        status: 404,
        requestId: '17A0',
        bucket: 'photos',
        key: '2026/a.jpg',
        sdk: 'minio-go',
      },
    ],
  ],
  [
    'minio-java',
    'ErrorResponse.toString',
    'io.minio.errors.ErrorResponseException: Object does not exist\nerror occurred\nErrorResponse(code = NoSuchKey, message = Object does not exist, bucketName = photos, objectName = a.jpg, resource = /photos/a.jpg, requestId = 17A1, hostId = dd90)',
    [{ code: 'NoSuchKey', requestId: '17A1', bucket: 'photos', key: 'a.jpg', sdk: 'minio-java' }],
  ],
  [
    'cos-go-sdk-v5',
    'ErrorResponse.Error',
    'GET https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/exampleobject: 404 NoSuchKey(Message: The specified key does not exist., RequestId: NjA4YmY3, TraceId: OGVmYzZi)',
    [
      {
        code: 'NoSuchKey',
        status: 404,
        requestId: 'NjA4YmY3',
        bucket: 'examplebucket-1250000000',
        key: 'exampleobject',
      },
    ],
  ],
  // Response headers in HTTP dumps
  [
    'x-amz-error-code',
    'a header map in a JSON wire log',
    '{"msg":"response","status":403,"headers":{"x-amz-error-code":"AccessDenied","x-amz-error-message":"Access Denied","x-amz-request-id":"R7"}}',
    [{ code: 'AccessDenied', status: 403, requestId: 'R7', shape: 'header', sdk: 'x-amz-error-code' }],
  ],
  [
    'x-amz-error-code',
    'curl -v lines joined in one record',
    'HTTP/1.1 404 Not Found x-amz-request-id: R8 x-amz-error-code: NoSuchKey x-amz-error-message: The specified key does not exist.',
    [{ code: 'NoSuchKey', status: 404, requestId: 'R8', shape: 'header' }],
  ],
  [
    'x-oss-err',
    'HEAD error body in base64',
    `< x-oss-request-id: 5C3D9175B6FC201293AD4890 x-oss-err: ${OSS_ERR_XML}`,
    [{ code: 'NoSuchKey', requestId: '5C3D9175B6FC201293AD4890', shape: 'header', sdk: 'x-oss-err' }],
  ],
  ['x-amz-error-code', 'near miss: a request id header alone', '< x-amz-request-id: R8', []],
  // The bare `Code: message` and prose
  [
    'bare',
    'a known code and a capitalized message on a line that passes the check',
    'level=error msg="NoSuchKey: The specified key does not exist."',
    [{ code: 'NoSuchKey', status: 404, sdk: 'unknown' }],
  ],
  [
    'prose',
    'near miss: retrying after a code',
    '2026-11-24T10:00:00Z warn error budget: retrying after NoSuchKey',
    [],
  ],
  ['prose', 'near miss: a code and a lowercase remark', 'level=error msg="NoSuchKey: will retry"', []],
  [
    'prose',
    'near miss: a config key quoting codes',
    'level=info msg="error map loaded" {"NoSuchKey": 404, "AccessDenied": 403}',
    [],
  ],
  ['prose', 'near miss: an unknown name', 'TypeError: Cannot read properties of undefined', []],
  // Precision: one error, several renderings
  [
    'dedup',
    'a line with both the XML body and the SDK rendering is one (XML) event',
    'botocore.exceptions.ClientError: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist. body=<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>X1</RequestId></Error>',
    [{ code: 'NoSuchKey', requestId: 'X1', shape: undefined }],
  ],
  [
    'dedup',
    'a retry loop’s summary',
    'level=error msg="giving up after 3 attempts" errors="attempt 1: operation error S3: GetObject, https response error StatusCode: 503, RequestID: A1, HostID: H, api error SlowDown: Please reduce your request rate.; attempt 2: operation error S3: GetObject, https response error StatusCode: 503, RequestID: A2, HostID: H, api error SlowDown: Please reduce your request rate."',
    [{ code: 'SlowDown', status: 503, requestId: 'A1' }],
  ],
];

describe('SDK renderings, one record each', () => {
  it.each(CASES)('%s: %s', (_shape, _name, text, want) => {
    const events = one(text);
    expect(events.map((e, i) => pick(e, want[i] ?? {}))).toEqual(want);
  });
});

type FramedCase = [name: string, text: string, want: Want[]];

const FRAMED: FramedCase[] = [
  [
    'Python traceback with a chained exception of the same error: one event',
    [
      '2026-11-24 10:00:00,001 ERROR download failed',
      'Traceback (most recent call last):',
      '  File "/app/dl.py", line 10, in fetch',
      '    s3.get_object(Bucket="b", Key="k")',
      'botocore.errorfactory.NoSuchKey: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.',
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "/app/dl.py", line 14, in fetch',
      'app.DownloadError: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.',
      '2026-11-24 10:00:01,000 INFO next',
    ].join('\n'),
    [{ code: 'NoSuchKey', sdk: 'botocore' }],
  ],
  [
    'Java stack with a Caused by chain: one event',
    [
      '2026-11-24 10:00:04.000 ERROR [main] read failed',
      'org.apache.spark.SparkException: Job aborted. com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: J1; S3 Extended Request ID: E1)',
      '\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2454)',
      'Caused by: com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: J1; S3 Extended Request ID: E1)',
      '\tat com.amazonaws.http.AmazonHttpClient.handleErrorResponse(AmazonHttpClient.java:1640)',
      '\t... 12 more',
      '2026-11-24 10:00:05.000 INFO done',
    ].join('\n'),
    [{ code: 'AccessDenied', status: 403, requestId: 'J1' }],
  ],
  [
    'OSS Java exception over several lines with its XML: one event',
    [
      '2026-11-24 10:00:03.000 ERROR [main] upload failed',
      'com.aliyun.oss.OSSException: The specified key does not exist.',
      '[ErrorCode]: NoSuchKey',
      '[RequestId]: 5C3D9175B6FC201293AD4890',
      '[HostId]: bucket-one.oss-cn-hangzhou.aliyuncs.com',
      '[ResponseError]:',
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<Error>',
      '  <Code>NoSuchKey</Code>',
      '  <Message>The specified key does not exist.</Message>',
      '  <RequestId>5C3D9175B6FC201293AD4890</RequestId>',
      '</Error>',
      '\tat com.aliyun.oss.common.utils.ExceptionFactory.createOSSException(ExceptionFactory.java:114)',
      '2026-11-24 10:00:04.000 INFO done',
    ].join('\n'),
    [{ code: 'NoSuchKey', requestId: '5C3D9175B6FC201293AD4890' }],
  ],
  [
    'OSS Java exception without the XML',
    [
      'com.aliyun.oss.OSSException: Access denied by bucket policy.',
      '[ErrorCode]: AccessDenied',
      '[RequestId]: 6A1B',
      '[HostId]: b.oss-cn-hangzhou.aliyuncs.com',
      '2026-11-24 10:00:04.000 INFO done',
    ].join('\n'),
    [
      {
        code: 'AccessDenied',
        status: 403,
        requestId: '6A1B',
        sdk: 'aliyun-oss-java-sdk',
        message: 'Access denied by bucket policy.',
      },
    ],
  ],
  [
    'aws-sdk-go v1: the status line joins the line before',
    '2026/11/24 10:00:02 get s3://bucket-a/x.gz: NoSuchKey: The specified key does not exist.\n\tstatus code: 404, request id: 5C3D, host id: Zm9v\n',
    [{ code: 'NoSuchKey', requestId: '5C3D', bucket: 'bucket-a', key: 'x.gz', sdk: 'aws-sdk-go' }],
  ],
  [
    'OSS Go v2 block over several lines',
    [
      'operation error GetObject: Error returned by Service. ',
      'Http Status Code: 403. ',
      'Error Code: AccessDenied. ',
      'Request Id: 6A1B. ',
      'Message: You have no right to access this object because of bucket acl..',
      'EC: 0003-00000001.',
      'Timestamp: 2026-11-24 10:00:00 +0000 UTC.',
      'Request Endpoint: GET https://b2.oss-cn-hangzhou.aliyuncs.com/c.txt.',
      '2026-11-24 10:00:04.000 INFO done',
    ].join('\n'),
    [
      {
        code: 'AccessDenied',
        status: 403,
        requestId: '6A1B',
        bucket: 'b2',
        key: 'c.txt',
        sdk: 'alibabacloud-oss-go-sdk-v2',
      },
    ],
  ],
  [
    'XML body copied from a browser: a script injected and the message on its own line',
    [
      '<Error>',
      '<Code>AccessDenied</Code>',
      '<Message>',
      'Access Denied',
      '</Message>',
      '<RequestId>K7Y6</RequestId>',
      '<script type="text/javascript">',
      '  window.__ext = true;',
      '</script>',
      '</Error>',
    ].join('\n'),
    [{ code: 'AccessDenied', requestId: 'K7Y6', message: 'Access Denied' }],
  ],
  [
    'GCS body whose message starts after blank lines',
    [
      "<?xml version='1.0' encoding='UTF-8'?>",
      '<Error>',
      '  <Code>NoSuchKey</Code>',
      '  <Message>',
      '',
      '',
      'The specified key does not exist.</Message>',
      '  <Details>No such object: b/k</Details>',
      '</Error>',
    ].join('\n'),
    [{ code: 'NoSuchKey', message: 'The specified key does not exist.' }],
  ],
  [
    'near miss: an STS ErrorResponse over several lines (botocore debug output)',
    [
      '2026-11-24 10:00:00,000 botocore.parsers [DEBUG] Response body:',
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
      '  <Error>',
      '    <Type>Sender</Type>',
      '    <Code>InvalidClientTokenId</Code>',
      '    <Message>The security token included in the request is invalid.</Message>',
      '  </Error>',
      '  <RequestId>2b4b4b1a</RequestId>',
      '</ErrorResponse>',
    ].join('\n'),
    [],
  ],
  [
    'near miss: an STS ErrorResponse on one line',
    '2026-11-24 10:00:00,000 botocore.parsers [DEBUG] Response body: b\'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>2b4b</RequestId></ErrorResponse>\'\n',
    [],
  ],
  [
    'near miss: an Azure Blob ConditionNotMet',
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>ConditionNotMet</Code><Message>The condition specified using HTTP conditional header(s) is not met.\nRequestId:4c3f0c4a-701e-0043-6a5b-3f2a8f000000\nTime:2019-06-20T07:43:57.5523645Z</Message></Error>\n',
    [],
  ],
];

describe('multi-line SDK errors and XML bodies through framing', () => {
  it.each(FRAMED)('%s', async (_name, text, want) => {
    const events = await framed(text);
    expect(events.map((e, i) => pick(e, want[i] ?? {}))).toEqual(want);
  });

  it('a Python traceback takes the time of the logger line before it', async () => {
    const [event] = await framed(
      '2026-11-24 10:00:00,001 ERROR x\nTraceback (most recent call last):\n  File "a.py", line 1\nbotocore.exceptions.ClientError: An error occurred (NoSuchKey) when calling the GetObject operation: gone\n',
    );
    expect(event?.time).toBe('2026-11-24T10:00:00.001Z');
    expect(event?.line).toBe(2);
  });

  it('an error right after another error does not take the first one’s status as its header', async () => {
    // Found by the SDK bench corpus: the oss2 line was lent to the botocore line as its header.
    const events = await framed(
      "2026-11-24T00:01:04Z ERROR oss2.exceptions.ServerError: {'status': 403, 'details': {'Code': 'AccessDenied', 'Message': 'denied'}}\n" +
        '2026-11-24T00:01:05Z ERROR botocore.exceptions.ClientError: An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.\n' +
        '2026-11-24T00:01:06Z INFO next\n',
    );
    expect(events.map((e) => [e.code, e.status])).toEqual([
      ['AccessDenied', 403],
      ['NoSuchKey', 404],
    ]);
  });

  it('an SDK error held for its next line is still reported at the end of the input', async () => {
    const events = await framed(
      'com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: Z1)',
    );
    expect(events.map((e) => [e.code, e.requestId])).toEqual([['AccessDenied', 'Z1']]);
  });
});
