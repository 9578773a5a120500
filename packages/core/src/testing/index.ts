export { ManualClock } from './ManualClock.js';
export { RecordingDestination, type RecordedObject } from './RecordingDestination.js';
