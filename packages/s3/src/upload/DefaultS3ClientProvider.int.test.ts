import { ListObjectsCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFaultProxy, startS3Server, S3RVER_CREDENTIALS, type FaultProxy, type TestS3Server } from '@sluice/test-support';
import { testSluice } from '../../test-support/testSluice.js';
import { parseS3Options, type S3OptionsInput } from '../config.js';
import { DefaultS3ClientProvider } from './DefaultS3ClientProvider.js';

describe('the S3 clients made ahead of the first upload', () => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server(['warm']);
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    proxy.requests.length = 0;
  });

  function provider(options: S3OptionsInput = {}): DefaultS3ClientProvider {
    return new DefaultS3ClientProvider(parseS3Options({ endpoint: proxy.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, ...options }));
  }

  it('warm() sends no request, and the client it made is the one every upload then uses', async () => {
    const clients = provider({ region: 'eu-west-3' });
    await clients.warm();
    expect(proxy.requests).toEqual([]);
    const client = await clients.clientFor('warm');
    expect(await clients.clientFor('warm')).toBe(client);
    expect(await client.config.region()).toBe('eu-west-3');
    clients.close();
  });

  it('a sluice delivers as before once its client is warm, and the warm-up added no request to S3', async () => {
    const { sluice } = testSluice(proxy.endpoint);
    sluice.send.s3({ bucket: 'warm', prefix: 'after', payload: { n: 1 } });
    await sluice.close();
    expect(await s3.keys('warm', 'after/')).toHaveLength(1);
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.requests.filter((r) => r.url.includes('sluice-warm-up'))).toEqual([]);
    const listed = await s3.client.send(new ListObjectsCommand({ Bucket: 'warm', Prefix: 'sluice-warm-up' }));
    expect(listed.Contents ?? []).toEqual([]);
  });

  it('never asks for the credentials (a chain may call the instance metadata service): the upload asks, and reports what it met', async () => {
    const credentials = vi.fn(() => Promise.reject(new Error('no credentials here')));
    const clients = provider({ credentials });
    await expect(clients.warm()).resolves.toBeUndefined();
    expect(credentials).not.toHaveBeenCalled();
    expect(proxy.requests).toEqual([]);
    const client = await clients.clientFor('warm');
    await expect(client.send(new ListObjectsCommand({ Bucket: 'warm' }))).rejects.toThrow('no credentials here');
    clients.close();
  });

  it('starts, warms and closes with an unreachable endpoint, and a sluice there still starts', async () => {
    const unreachable = 'http://127.0.0.1:9';
    const clients = new DefaultS3ClientProvider(parseS3Options({ endpoint: unreachable, forcePathStyle: true, credentials: S3RVER_CREDENTIALS }));
    await expect(clients.warm()).resolves.toBeUndefined();
    clients.close();
    const { sluice } = testSluice(unreachable);
    await sluice.close();
  });

  it('stops at close(): a warm-up under way ends without making a client, and clientFor() then throws SLUICE_CLOSED', async () => {
    const clients = provider();
    const warming = clients.warm();
    clients.close();
    await expect(warming).resolves.toBeUndefined();
    await expect(clients.clientFor('warm')).rejects.toMatchObject({ code: 'SLUICE_CLOSED' });
  });
});
