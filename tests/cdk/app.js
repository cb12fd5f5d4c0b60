// A CDK app the test suite deploys to nimbus with the real CDK CLI (tests/test_cdk.py). The environment
// variable CDK_APP_STAGE picks one of two versions of it, so a second deploy is an update; CDK_APP_FIREHOSE
// adds the Firehose delivery stream.
const cdk = require('aws-cdk-lib');
const { aws_iam: iam, aws_kinesis: kinesis, aws_kms: kms, aws_logs: logs, aws_s3: s3, aws_sns: sns } = cdk;

const stage = process.env.CDK_APP_STAGE || '1';
const updated = stage === '2';
const app = new cdk.App();
const stack = new cdk.Stack(app, process.env.CDK_APP_STACK || 'NimbusCdkApp');
const destroy = cdk.RemovalPolicy.DESTROY;

const key = new kms.Key(stack, 'DataKey', { description: 'nimbus cdk data key', enableKeyRotation: true,
  removalPolicy: destroy, pendingWindow: cdk.Duration.days(7) });
key.addAlias(`alias/${stack.stackName}-data`);

const bucket = new s3.Bucket(stack, 'DataBucket', {
  encryption: s3.BucketEncryption.KMS, encryptionKey: key, versioned: true, removalPolicy: destroy,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, enforceSSL: true,
  lifecycleRules: [{ id: 'expire-tmp', prefix: 'tmp/', expiration: cdk.Duration.days(updated ? 3 : 1) }],
});

const stream = new kinesis.Stream(stack, 'Events', { shardCount: 1, encryption: kinesis.StreamEncryption.UNENCRYPTED,
  retentionPeriod: cdk.Duration.hours(updated ? 48 : 24), removalPolicy: destroy });

const topic = new sns.Topic(stack, 'Alerts', { displayName: updated ? 'nimbus alerts v2' : 'nimbus alerts' });
if (updated) {
  new sns.Topic(stack, 'Audit', { displayName: 'nimbus audit' });
}

const group = new logs.LogGroup(stack, 'AppLogs', { retention: updated ? logs.RetentionDays.ONE_MONTH
  : logs.RetentionDays.ONE_WEEK, removalPolicy: destroy });

const role = new iam.Role(stack, 'WriterRole', { assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
  description: 'writes the app data' });
bucket.grantReadWrite(role);
stream.grantRead(role);
topic.grantPublish(role);
group.grantWrite(role);

if (process.env.CDK_APP_FIREHOSE) {
  const hose = new cdk.aws_kinesisfirehose.CfnDeliveryStream(stack, 'Hose', {
    deliveryStreamType: 'KinesisStreamAsSource',
    kinesisStreamSourceConfiguration: { kinesisStreamArn: stream.streamArn, roleArn: role.roleArn },
    extendedS3DestinationConfiguration: { bucketArn: bucket.bucketArn, roleArn: role.roleArn, prefix: 'hose/' },
  });
  hose.node.addDependency(role);
}

new cdk.CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
new cdk.CfnOutput(stack, 'KeyArn', { value: key.keyArn });
new cdk.CfnOutput(stack, 'StreamName', { value: stream.streamName });
new cdk.CfnOutput(stack, 'TopicArn', { value: topic.topicArn });
new cdk.CfnOutput(stack, 'LogGroupName', { value: group.logGroupName });
new cdk.CfnOutput(stack, 'RoleName', { value: role.roleName });
