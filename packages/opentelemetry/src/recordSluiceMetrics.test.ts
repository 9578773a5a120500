import { ContainerModule } from 'inversify';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { BATCHER, CLOCK, createSluice, DESTINATION } from '@sluice/core';
import { ManualClock, RecordingDestination } from '@sluice/core/testing';
import { recordSluiceMetrics } from './recordSluiceMetrics.js';

class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

function recordingSluice() {
  const clock = new ManualClock('2024-05-25T16:14:58.000Z');
  const destination = new RecordingDestination();
  const sluice = createSluice({
    drainOnExit: false,
    logLevel: 'silent',
    modules: [
      new ContainerModule(({ bind }) => {
        bind(CLOCK).toConstantValue(clock);
        bind(BATCHER).toConstantValue({ windowOf: (now) => ({ start: now - (now % 60_000), end: now - (now % 60_000) + 60_000 }), wouldOverflow: () => false });
        bind(DESTINATION).toConstantValue(destination);
      }),
    ],
  });
  return { sluice, destination };
}

describe('recordSluiceMetrics', () => {
  it('is a no-op without an OpenTelemetry SDK: nothing registered, delivery unchanged', async () => {
    const { sluice, destination } = recordingSluice();
    const stop = recordSluiceMetrics(sluice);
    sluice.sendTo('recording', { stream: 's', payload: 1 });
    await sluice.flush();
    expect(destination.objects).toHaveLength(1);
    stop();
    await sluice.close();
  });

  it('stops listening and observing once stopped', async () => {
    const { sluice } = recordingSluice();
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const stop = recordSluiceMetrics(sluice, { meterProvider: provider });
    stop();
    sluice.sendTo('recording', { stream: 's', payload: 1 });
    await sluice.flush();
    const { resourceMetrics } = await reader.collect();
    const points = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).flatMap((metric) => metric.dataPoints as unknown[]);
    expect(points).toEqual([]);
    await sluice.close();
    await provider.shutdown();
  });
});
