import { describe, expect, it } from 'vitest';
import { parseSluiceOptions } from './config.js';
import { ValidationError } from './errors/ValidationError.js';

describe('parseSluiceOptions', () => {
  it('fills every default and a random producer id', () => {
    const options = parseSluiceOptions();
    expect(options).toMatchObject({
      maxEventBytes: 1_048_576,
      maxConcurrentUploads: 4,
      maxConcurrentSmallUploads: 32,
      maxUploadBytesInFlight: 16_777_216,
      drainOnExit: true,
      retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, permanentErrorDelayMs: 300_000 },
    });
    expect(options.producerId).toMatch(/^[0-9a-f]{16}$/);
    expect(parseSluiceOptions().producerId).not.toBe(options.producerId);
  });

  it('names every bad field with its value, the rule and the fix', () => {
    let error: unknown;
    try {
      parseSluiceOptions({ maxConcurrentUploads: 0, producerId: 'has space', retry: { maxDelayMs: -1 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toContain('Invalid createSluice() options');
    expect(message).toContain('/maxConcurrentUploads: 0 is invalid: must be >= 1');
    expect(message).toContain('/producerId: "has space" is invalid: must match pattern');
    expect(message).toContain('Use 1 to 64 letters, digits');
    expect(message).toContain('/retry/maxDelayMs: -1 is invalid: must be >= 1');
    expect((error as ValidationError).issues).toHaveLength(3);
  });

  it('refuses a pending limit smaller than the largest event', () => {
    expect(() => parseSluiceOptions({ maxEventBytes: 2_000, maxPendingBytes: 1_000 })).toThrow(
      /\/maxPendingBytes: 1000 is invalid: must be at least maxEventBytes \(2000\)/,
    );
  });
});
