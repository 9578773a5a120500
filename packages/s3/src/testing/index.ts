export { InMemoryUploader, type StoredObject } from './InMemoryUploader.js';
export { s3TestingModule } from './s3TestingModule.js';
export { ManualClock } from '@sluice/core/testing';
