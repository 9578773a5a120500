import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { warmCommands } from './warmCommands.js';

describe('the dry runs of the warm-up', () => {
  it("each resolves with S3's answer parsed, and none is sent (the endpoint does not listen)", async () => {
    const client = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      const answers = [];
      for (const dryRun of warmCommands) answers.push(await dryRun(client));
      expect(answers).toMatchObject([{ ETag: '"0"' }, { UploadId: 'warm-up' }, { ETag: '"0"' }, { ETag: '"0"', Key: 'warm-up' }, { Uploads: [{ Key: 'warm-up' }] }]);
    } finally {
      client.destroy();
    }
  });
});
