import type { EventLoopUtilization } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { mainThreadIdle } from './mainThreadIdle.js';

/** Node's eventLoopUtilization() over a loop whose idle and active milliseconds the test sets. */
function loop() {
  const at = { idle: 0, active: 0 };
  const read = (now?: EventLoopUtilization, since?: EventLoopUtilization): EventLoopUtilization => {
    if (!now) return { ...at, utilization: 0 };
    const idle = now.idle - (since?.idle ?? 0);
    const active = now.active - (since?.active ?? 0);
    return { idle, active, utilization: active / (idle + active) };
  };
  return { at, read };
}

describe('mainThreadIdle', () => {
  it('says idle only after 50 ms or more in which the loop was busy less than half the time', () => {
    const { at, read } = loop();
    const idle = mainThreadIdle(read);
    at.idle += 30;
    expect(idle()).toBe(false); // too short a span to judge
    at.active += 10;
    at.idle += 20;
    expect(idle()).toBe(true); // 60 ms, 10 busy
    at.active += 45;
    at.idle += 15;
    expect(idle()).toBe(false); // the next 60 ms, 45 busy
    at.active += 20;
    at.idle += 40;
    expect(idle()).toBe(true);
  });
});
