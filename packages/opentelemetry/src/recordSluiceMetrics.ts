import { metrics, type MeterProvider, type ObservableResult } from '@opentelemetry/api';
import type { DeadLetter, DeliveredEvent, DeliveryErrorEvent, Sluice } from '@sluice/core';
import { BATCH_DURATION_BUCKETS, DESTINATION_ATTRIBUTE, ERROR_TYPE_ATTRIBUTE, METRICS, RETRYABLE_ATTRIBUTE } from './metricNames.js';

/** What the metrics read from a sluice: its events and three counters. */
export type MeteredSluice = Pick<Sluice, 'on' | 'off' | 'pendingBytes' | 'acceptedEvents'>;

export interface SluiceMetricsOptions {
  /**
   * Where the instruments come from. Default: the global provider of `@opentelemetry/api`,
   * which is a no-op until an OpenTelemetry SDK registers one, so recording costs next to
   * nothing in an application without one.
   */
  readonly meterProvider?: MeterProvider;
  /** Name of the meter. Default: `@sluice/opentelemetry`. */
  readonly meterName?: string;
}

/**
 * Records a sluice's metrics (see METRICS for names and units) through OpenTelemetry: counters
 * from its `delivered`, `deliveryError` and `deadLetter` events, and observable instruments
 * read at collection time (accepted events, pending bytes). Returns a function that stops
 * recording; calling it twice is harmless. Nothing in the sluice changes: it only listens.
 */
export function recordSluiceMetrics(sluice: MeteredSluice, options: SluiceMetricsOptions = {}): () => void {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(options.meterName ?? '@sluice/opentelemetry');
  const counter = (spec: { name: string; unit: string; description: string }) =>
    meter.createCounter(spec.name, { unit: spec.unit, description: spec.description });
  const eventsDelivered = counter(METRICS.eventsDelivered);
  const batchesDelivered = counter(METRICS.batchesDelivered);
  const recordBytes = counter(METRICS.recordBytes);
  const objectBytes = counter(METRICS.objectBytes);
  const retries = counter(METRICS.retries);
  const deadLetters = counter(METRICS.deadLetters);
  const deadLetterEvents = counter(METRICS.deadLetterEvents);
  const batchDuration = meter.createHistogram(METRICS.batchDuration.name, {
    unit: METRICS.batchDuration.unit,
    description: METRICS.batchDuration.description,
    advice: { explicitBucketBoundaries: BATCH_DURATION_BUCKETS },
  });
  const eventsAccepted = meter.createObservableCounter(METRICS.eventsAccepted.name, {
    unit: METRICS.eventsAccepted.unit,
    description: METRICS.eventsAccepted.description,
  });
  // Pending bytes add up across processes, so an up-down counter (OpenTelemetry's instrument
  // for additive levels, like a queue's size) rather than a gauge.
  const pendingBytes = meter.createObservableUpDownCounter(METRICS.pendingBytes.name, {
    unit: METRICS.pendingBytes.unit,
    description: METRICS.pendingBytes.description,
  });

  const onDelivered = (event: DeliveredEvent): void => {
    const attributes = { [DESTINATION_ATTRIBUTE]: event.destination };
    eventsDelivered.add(event.events, attributes);
    batchesDelivered.add(1, attributes);
    recordBytes.add(event.recordBytes, attributes);
    objectBytes.add(event.bytes, attributes);
    batchDuration.record(Math.max(0, event.deliveredAt - event.openedAt) / 1_000, attributes);
  };
  const onDeliveryError = (event: DeliveryErrorEvent): void => {
    retries.add(1, { [DESTINATION_ATTRIBUTE]: event.destination, [ERROR_TYPE_ATTRIBUTE]: event.code, [RETRYABLE_ATTRIBUTE]: event.retryable });
  };
  const onDeadLetter = (letter: DeadLetter): void => {
    const attributes = { [DESTINATION_ATTRIBUTE]: letter.destination, [ERROR_TYPE_ATTRIBUTE]: letter.reason.code };
    deadLetters.add(1, attributes);
    deadLetterEvents.add(letter.events, attributes);
  };
  const observeAccepted = (result: ObservableResult): void => result.observe(sluice.acceptedEvents);
  const observePending = (result: ObservableResult): void => result.observe(sluice.pendingBytes);

  sluice.on('delivered', onDelivered);
  sluice.on('deliveryError', onDeliveryError);
  sluice.on('deadLetter', onDeadLetter);
  eventsAccepted.addCallback(observeAccepted);
  pendingBytes.addCallback(observePending);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    sluice.off('delivered', onDelivered);
    sluice.off('deliveryError', onDeliveryError);
    sluice.off('deadLetter', onDeadLetter);
    eventsAccepted.removeCallback(observeAccepted);
    pendingBytes.removeCallback(observePending);
  };
}
