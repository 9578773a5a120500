import { S3Client } from '@aws-sdk/client-s3';

/**
 * The region the AWS SDK's own chain finds, as any S3Client made without a region would use:
 * `AWS_REGION`, then the `region` of the profile (`AWS_PROFILE`, else `default`) in the shared
 * config file (`~/.aws/config`, or `AWS_CONFIG_FILE`). Undefined when neither sets one.
 */
export async function sdkRegion(): Promise<string | undefined> {
  const probe = new S3Client({});
  try {
    const region = await probe.config.region();
    return region === '' ? undefined : region;
  } catch {
    // "Region is missing": the chain found none, which is a normal case here.
    return undefined;
  } finally {
    probe.destroy();
  }
}
