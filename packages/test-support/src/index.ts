export { driveRetries } from './driveRetries.js';
export { startFaultProxy, type Fault, type FaultProxy, type FaultRule, type ProxiedRequest } from './faultProxy.js';
export { nextEvent } from './nextEvent.js';
export { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from './s3Server.js';
export { freePort, startRedis, type StartRedisOptions, type TestRedis } from './redisServer.js';
