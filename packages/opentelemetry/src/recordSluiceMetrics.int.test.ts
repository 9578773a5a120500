import { gunzipSync } from 'node:zlib';
import { ContainerModule } from 'inversify';
import { MeterProvider, MetricReader, type HistogramMetricData, type MetricData } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK, createSluice } from '@sluice/core';
import { ManualClock } from '@sluice/core/testing';
import { s3Module } from '@sluice/s3';
import { driveRetries, nextEvent, S3RVER_CREDENTIALS, startFaultProxy, startS3Server, type FaultProxy, type TestS3Server } from '@sluice/test-support';
import { METRICS } from './metricNames.js';
import { recordSluiceMetrics } from './recordSluiceMetrics.js';

/** A reader the test collects from when it wants (the SDK's pull model). */
class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

async function collect(reader: TestReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const byName = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
  return byName;
}

/** The sum of a counter's points, or undefined when it recorded nothing. */
function total(metrics: Map<string, MetricData>, name: string): number | undefined {
  const points = metrics.get(name)?.dataPoints as Array<{ value: number }> | undefined;
  return points?.reduce((sum, point) => sum + point.value, 0);
}

describe('recordSluiceMetrics against a real delivery', () => {
  let s3: TestS3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server(['metrics']);
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
  });

  function meteredSluice(deadLetterAfterMs = 86_400_000) {
    const clock = new ManualClock('2024-02-29T10:00:10Z');
    const sluice = createSluice({
      drainOnExit: false,
      logLevel: 'silent',
      deadLetterAfterMs,
      modules: [
        new ContainerModule(({ bind }) => void bind(CLOCK).toConstantValue(clock)),
        s3Module({ endpoint: proxy.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, maxAttempts: 1 }),
      ],
    });
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const stop = recordSluiceMetrics(sluice, { meterProvider: provider });
    return { clock, sluice, reader, provider, stop };
  }

  it('counts accepted and delivered events, bytes before and after gzip, batch latency, retries and pending bytes', async () => {
    const { clock, sluice, reader, provider, stop } = meteredSluice();
    const payloads = Array.from({ length: 100 }, (_, i) => ({ i, text: 'the same words again and again '.repeat(4) }));
    for (const payload of payloads.slice(0, 60)) sluice.send.s3({ bucket: 'metrics', prefix: 'm', payload });
    await clock.advance(20_000);
    for (const payload of payloads.slice(60)) sluice.send.s3({ bucket: 'metrics', prefix: 'm', payload });

    const before = await collect(reader);
    expect(total(before, METRICS.eventsAccepted.name)).toBe(100);
    expect(total(before, METRICS.pendingBytes.name)).toBe(sluice.pendingBytes);
    expect(sluice.pendingBytes).toBeGreaterThan(0);
    expect(total(before, METRICS.eventsDelivered.name)).toBeUndefined();

    // The first attempt fails with 503 SlowDown; the retry stores the object.
    let failed = 0;
    proxy.setRule((req) => (req.method === 'PUT' && failed++ === 0 ? 503 : undefined));
    const delivered = nextEvent(sluice, 'delivered');
    await clock.advanceTo('2024-02-29T10:01:00Z');
    await driveRetries(sluice, clock, sluice.flush());
    const event = await delivered;
    proxy.setRule(undefined);

    const after = await collect(reader);
    const [key] = await s3.keys('metrics', 'm/');
    const stored = (await s3.get('metrics', key as string)).body;
    const lines = gunzipSync(stored).toString('utf8');
    expect(total(after, METRICS.eventsDelivered.name)).toBe(100);
    expect(total(after, METRICS.batchesDelivered.name)).toBe(1);
    expect(total(after, METRICS.recordBytes.name)).toBe(Buffer.byteLength(lines));
    expect(total(after, METRICS.objectBytes.name)).toBe(stored.length);
    expect(stored.length).toBeLessThan(Buffer.byteLength(lines));
    expect(total(after, METRICS.retries.name)).toBe(1);
    expect(after.get(METRICS.retries.name)?.dataPoints[0]?.attributes).toEqual({ 'sluice.destination': 's3', 'error.type': 'SlowDown', 'sluice.retryable': true });
    expect(total(after, METRICS.pendingBytes.name)).toBe(0);
    expect(total(after, METRICS.eventsAccepted.name)).toBe(100);

    const histogram = after.get(METRICS.batchDuration.name) as HistogramMetricData;
    expect(histogram.descriptor.unit).toBe('s');
    const [point] = histogram.dataPoints;
    expect(point?.value.count).toBe(1);
    // From the first event (10:00:10) to the store time on the sluice's clock.
    expect(point?.value.sum).toBe((event.deliveredAt - Date.parse('2024-02-29T10:00:10Z')) / 1_000);
    expect(point?.value.sum).toBeGreaterThanOrEqual(50);
    expect(after.get(METRICS.objectBytes.name)?.descriptor.unit).toBe('By');
    expect(after.get(METRICS.eventsDelivered.name)?.descriptor.unit).toBe('{event}');

    stop();
    stop();
    await sluice.close();
    await provider.shutdown();
  });

  it('counts dead letters by error type', async () => {
    const { clock, sluice, reader, provider, stop } = meteredSluice(1_000);
    proxy.setRule((req) => (req.method === 'PUT' ? 500 : undefined));
    const buried = nextEvent(sluice, 'deadLetter');
    sluice.send.s3({ bucket: 'metrics', prefix: 'dead', payload: 1 });
    sluice.send.s3({ bucket: 'metrics', prefix: 'dead', payload: 2 });
    await driveRetries(sluice, clock, buried, 60_000);
    proxy.setRule(undefined);
    const metrics = await collect(reader);
    expect(total(metrics, METRICS.deadLetters.name)).toBe(1);
    expect(total(metrics, METRICS.deadLetterEvents.name)).toBe(2);
    expect(metrics.get(METRICS.deadLetters.name)?.dataPoints[0]?.attributes).toEqual({ 'sluice.destination': 's3', 'error.type': 'InternalError' });
    expect(total(metrics, METRICS.pendingBytes.name)).toBe(0);
    stop();
    await sluice.close();
    await provider.shutdown();
  });
});
