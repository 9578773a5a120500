// Sluice's metrics through OpenTelemetry: events and bytes delivered, batch latency, retries,
// dead letters and pending bytes, recorded by `recordSluiceMetrics()` on a MeterProvider of
// the OpenTelemetry SDK. A service passes its own provider (or registers one globally and
// passes none) with an OTLP or Prometheus exporter; here a reader exports into memory when
// the example forces a collection, prints the metrics and checks the delivered count.
//   npm run build && node examples/dist/opentelemetry-metrics.js
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { createSluice } from '@sluice/core';
import { recordSluiceMetrics } from '@sluice/opentelemetry';
import { s3Module } from '@sluice/s3';
import { check } from './support/check.js';
import { startLocalS3 } from './support/localS3.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const bucket = 'example-metered';
const s3 = await startLocalS3([bucket]);

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
// An interval longer than the example: the collection below is the one forced at the end.
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });

const sluice = createSluice({ modules: [s3Module(s3.s3Options)] });
const stopMetrics = recordSluiceMetrics(sluice, { meterProvider });
const events = 40;
for (let i = 0; i < events; i += 1) {
  sluice.send.s3({ bucket, prefix: i % 2 === 0 ? 'clicks' : 'views', payload: { n: i, page: `/page/${i % 5}` } });
}
await sluice.close();
await meterProvider.forceFlush();
stopMetrics();
await meterProvider.shutdown();
const objects = await s3.objects(bucket);
await s3.close();

const metrics = new Map<string, MetricData>();
for (const { scopeMetrics } of exporter.getMetrics()) {
  for (const scope of scopeMetrics) for (const metric of scope.metrics) metrics.set(metric.descriptor.name, metric);
}
/** A counter's value summed over its attribute sets; a histogram's count. */
function value(metric: MetricData | undefined): number | undefined {
  if (metric === undefined) return undefined;
  if (metric.dataPointType === DataPointType.HISTOGRAM) return metric.dataPoints.reduce((sum, point) => sum + point.value.count, 0);
  if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
    return metric.dataPoints.reduce((sum, point) => sum + point.value, 0);
  }
  return undefined;
}
for (const [name, metric] of metrics) {
  const attributes = metric.dataPoints.map((point) => JSON.stringify(point.attributes)).join(' ');
  const kind = metric.dataPointType === DataPointType.HISTOGRAM ? 'count' : 'value';
  process.stdout.write(`  ${name} ${kind}=${String(value(metric))} ${metric.descriptor.unit} ${attributes}\n`);
}

const stored = objects.reduce((count, object) => count + object.lines.length, 0);
check(stored === events, `${events} events sent, ${stored} stored`);
check(value(metrics.get('sluice.events.accepted')) === events, `sluice.events.accepted is ${String(value(metrics.get('sluice.events.accepted')))}, ${events} were sent`);
check(value(metrics.get('sluice.events.delivered')) === events, `sluice.events.delivered is ${String(value(metrics.get('sluice.events.delivered')))}, ${events} were sent`);
check(value(metrics.get('sluice.batches.delivered')) === objects.length, `sluice.batches.delivered is ${String(value(metrics.get('sluice.batches.delivered')))}, ${objects.length} objects are stored`);
check(value(metrics.get('sluice.pending.size')) === 0, 'nothing is pending after close()');
process.stdout.write(`opentelemetry-metrics: ${events} events sent, sluice.events.delivered=${events} in ${objects.length} objects\n`);
