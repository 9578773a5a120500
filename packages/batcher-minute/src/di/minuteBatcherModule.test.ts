import { Container, ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { BATCHER, ValidationError } from '@sluice/core';
import { MinuteBatcher } from '../batch/MinuteBatcher.js';
import { FixedWindowBatcher } from '../testing/FixedWindowBatcher.js';
import { minuteBatcherModule } from './minuteBatcherModule.js';

describe('minuteBatcherModule', () => {
  it('binds the minute batcher with its caps', () => {
    const container = new Container();
    container.load(minuteBatcherModule({ maxEvents: 5 }));
    const batcher = container.get(BATCHER);
    expect(batcher).toBeInstanceOf(MinuteBatcher);
    expect(batcher.wouldOverflow({ events: 5, bytes: 0 }, 1)).toBe(true);
  });

  it('leaves a batcher the user bound first in place', () => {
    const container = new Container();
    const mine = new FixedWindowBatcher(10_000);
    container.load(new ContainerModule(({ bind }) => void bind(BATCHER).toConstantValue(mine)), minuteBatcherModule());
    expect(container.get(BATCHER)).toBe(mine);
  });

  it('rejects a negative cap, naming it', () => {
    expect(() => minuteBatcherModule({ maxBytes: -1 })).toThrow(ValidationError);
    expect(() => minuteBatcherModule({ maxBytes: -1 })).toThrow(/\/maxBytes: -1 is invalid: must be >= 0/);
  });
});
