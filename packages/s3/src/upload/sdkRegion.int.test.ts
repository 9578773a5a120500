import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFaultProxy, startS3Server, type FaultProxy, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';

/** The region a SigV4 request was signed for, from its credential scope. */
function signedRegion(authorization: string | string[] | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(String(authorization))?.[1];
}

describe("the region from the AWS SDK's own settings", () => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  let folder: string;
  beforeAll(async () => {
    s3 = await startS3Server(['events']);
    proxy = await startFaultProxy(s3.endpoint);
    folder = await mkdtemp(path.join(tmpdir(), 'sluice-aws-config-'));
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
    await rm(folder, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    proxy.requests.length = 0;
  });

  async function deliverOne(prefix: string): Promise<void> {
    const { sluice } = testSluice(proxy.endpoint);
    sluice.send.s3({ bucket: 'events', prefix, payload: { prefix } });
    await sluice.close();
    expect(await s3.keys('events', `${prefix}/`)).toHaveLength(1);
  }

  it('signs for AWS_REGION and asks for no bucket location', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-3');
    await deliverOne('env');
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.requests.filter((r) => r.url.includes('location'))).toEqual([]);
    expect(new Set(proxy.requests.map((r) => signedRegion(r.headers.authorization)))).toEqual(new Set(['eu-west-3']));
  });

  it("signs for the region of the profile in AWS_CONFIG_FILE when AWS_REGION is unset", async () => {
    const file = path.join(folder, 'config');
    await writeFile(file, '[default]\nregion = us-west-1\n\n[profile sluice-test]\nregion = ap-southeast-2\n');
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_CONFIG_FILE', file);
    vi.stubEnv('AWS_PROFILE', 'sluice-test');
    await deliverOne('profile');
    expect(proxy.requests.filter((r) => r.url.includes('location'))).toEqual([]);
    expect(new Set(proxy.requests.map((r) => signedRegion(r.headers.authorization)))).toEqual(new Set(['ap-southeast-2']));
  });

  it('prefers the region option to the environment', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-3');
    const { sluice } = testSluice(proxy.endpoint, { s3: { region: 'ca-central-1' } });
    sluice.send.s3({ bucket: 'events', prefix: 'option', payload: 1 });
    await sluice.close();
    expect(new Set(proxy.requests.map((r) => signedRegion(r.headers.authorization)))).toEqual(new Set(['ca-central-1']));
  });
});
