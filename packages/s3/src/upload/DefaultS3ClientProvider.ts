import http from 'node:http';
import https from 'node:https';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { inject, injectable } from 'inversify';
import { SluiceError } from '@sluice/core';
import type { S3Credentials, S3Options } from '../config.js';
import { S3_OPTIONS } from '../di/tokens.js';
import type { S3ClientProvider } from './S3ClientProvider.js';
import { sdkRegion } from './sdkRegion.js';
import { warmCommands } from './warmCommands.js';

/** The dry runs' credentials: they sign requests that are never sent. */
const WARM_UP_CREDENTIALS = { accessKeyId: 'sluice-warm-up', secretAccessKey: 'sluice-warm-up' };

/**
 * One S3 client per region. The region is, in this order: the `region` option; the one the
 * AWS SDK's own chain finds (`AWS_REGION`, the profile's region in `~/.aws/config` or
 * `AWS_CONFIG_FILE`); us-east-1 with a custom endpoint; or else the bucket's, found once per
 * bucket with GetBucketLocation (a permission of the minimal bucket policy), so users need not
 * know where a bucket lives. A bucket in another region than the configured one is followed
 * through S3's redirect (the SDK's `followRegionRedirects`). `warm()` makes the client the first
 * upload will use ahead of it (see there).
 */
@injectable()
export class DefaultS3ClientProvider implements S3ClientProvider {
  readonly #clients = new Map<string, S3Client>();
  readonly #agents: Array<http.Agent | https.Agent> = [];
  readonly #regions = new Map<string, Promise<string>>();
  readonly #closer = new AbortController();
  #configuredRegion: Promise<string | undefined> | undefined;
  #warming: Promise<void> | undefined;

  constructor(@inject(S3_OPTIONS) private readonly options: S3Options) {}

  /** Throws a SluiceError with code SLUICE_CLOSED after close(). */
  async clientFor(bucket: string): Promise<S3Client> {
    this.#assertOpen();
    const configured = this.options.region ?? (await (this.#configuredRegion ??= sdkRegion()));
    return this.#client(configured ?? (this.options.endpoint ? 'us-east-1' : await this.#regionOf(bucket)));
  }

  /**
   * Pays the AWS SDK's first-use costs before the first upload, so they do not make one long
   * turn of the event loop while events flow: the client's construction (config resolution,
   * middleware stack) when the `region` option names its region, and a dry run of each request
   * an upload and the orphan sweep make, answered in the process instead of sent (see
   * warmCommands). One step per turn. It asks nobody anything: the dry runs go through a client
   * of their own with placeholder credentials, so neither the credential chain nor the region
   * chain is consulted at start (either may call the instance metadata service, and a fleet
   * producer never uploads at all); what they warm is the SDK's code, shared by every client.
   * Never rejects: a failure ends the warm-up, and the first upload pays what is left. Called
   * again, returns the same promise.
   */
  async warm(): Promise<void> {
    this.#warming ??= (async () => {
      await nextTurn();
      if (this.#closed()) return;
      if (this.options.region) this.#client(this.options.region);
      await nextTurn();
      if (this.#closed()) return;
      const dryRuns = this.#create(this.options.region ?? 'us-east-1', WARM_UP_CREDENTIALS);
      try {
        for (const warm of warmCommands) {
          await nextTurn();
          if (this.#closed()) return;
          await warm(dryRuns);
        }
      } finally {
        dryRuns.destroy();
      }
    })().catch(() => {
      // Nothing is lost: the first upload pays what was not paid here, and reports its own errors.
    });
    return this.#warming;
  }

  #regionOf(bucket: string): Promise<string> {
    let region = this.#regions.get(bucket);
    if (!region) {
      region = this.#client('us-east-1')
        .send(new GetBucketLocationCommand({ Bucket: bucket }), { abortSignal: this.#closer.signal })
        // S3 answers an empty constraint for us-east-1 and the legacy "EU" for eu-west-1.
        .then(({ LocationConstraint }) => (!LocationConstraint ? 'us-east-1' : LocationConstraint === 'EU' ? 'eu-west-1' : LocationConstraint));
      // A failed lookup is forgotten so the next attempt asks again.
      region.catch(() => this.#regions.delete(bucket));
      this.#regions.set(bucket, region);
    }
    return region;
  }

  /**
   * Aborts region lookups under way and destroys every client, closing their sockets; later
   * calls to clientFor() throw. Safe to call twice.
   */
  close(): void {
    this.#closer.abort(new Error('S3 client provider closed'));
    for (const client of this.#clients.values()) client.destroy();
    for (const agent of this.#agents) agent.destroy();
    this.#clients.clear();
    this.#agents.length = 0;
    this.#regions.clear();
  }

  /** A method, not the property: a close() may come during any await of a warm-up. */
  #closed(): boolean {
    return this.#closer.signal.aborted;
  }

  #assertOpen(): void {
    if (this.#closer.signal.aborted) {
      throw new SluiceError('SLUICE_CLOSED', 'The S3 clients are closed: the sluice that owned them was closed. Create a new sluice to upload again.');
    }
  }

  #client(region: string): S3Client {
    this.#assertOpen();
    let client = this.#clients.get(region);
    if (!client) this.#clients.set(region, (client = this.#create(region)));
    return client;
  }

  #create(region: string, credentialsInstead?: S3Credentials): S3Client {
    // Agents of our own, as the SDK would make them (keep-alive, 50 sockets), so close() can
    // destroy every socket: without one the SDK sends a body with Expect: 100-continue on a
    // throwaway agent that client.destroy() never reaches, and lib-storage's single
    // PutObject takes no abort signal, so a hung request would hold the process.
    const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 50 });
    this.#agents.push(httpAgent, httpsAgent);
    const { endpoint, forcePathStyle, checksumMode, maxAttempts, requestTimeoutMs, connectionTimeoutMs } = this.options;
    const credentials = credentialsInstead ?? this.options.credentials;
    const client = new S3Client({
      region,
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle,
      followRegionRedirects: true,
      // A copy of an object: the SDK annotates the credentials object it is given.
      ...(credentials ? { credentials: typeof credentials === 'function' ? credentials : { ...credentials } } : {}),
      maxAttempts,
      requestChecksumCalculation: checksumMode,
      responseChecksumValidation: 'WHEN_REQUIRED',
      // socketTimeout is the idle timeout (no progress on the socket); the SDK's requestTimeout
      // only warns unless throwOnRequestTimeout is set.
      requestHandler: { socketTimeout: requestTimeoutMs, connectionTimeout: connectionTimeoutMs, httpAgent, httpsAgent },
    });
    // Runs once per attempt, inside the SDK's own retries: a request whose socket close()
    // destroyed must not be retried on a fresh one (lib-storage's single PutObject cannot be
    // aborted, so its retries would outlive the sluice).
    client.middlewareStack.add(
      (next) => (args) => {
        this.#assertOpen();
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'sluiceStopAfterClose' },
    );
    return client;
  }
}
