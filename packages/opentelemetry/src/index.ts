export { BATCH_DURATION_BUCKETS, DESTINATION_ATTRIBUTE, ERROR_TYPE_ATTRIBUTE, METRICS, RETRYABLE_ATTRIBUTE } from './metricNames.js';
export { recordSluiceMetrics, type MeteredSluice, type SluiceMetricsOptions } from './recordSluiceMetrics.js';
