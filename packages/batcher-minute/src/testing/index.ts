export { ManualClock } from '@sluice/core/testing';
export { FixedWindowBatcher } from './FixedWindowBatcher.js';
