import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { recordingSluice } from '../../test-support/recordingSluice.js';
import { pinoLogger } from './pinoLogger.js';
import { winstonLogger } from './winstonLogger.js';

/** A stream that keeps every JSON line written to it and says when one matching `match` arrives. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const waiter of waiters.filter((w) => w.match(line))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      callback();
    },
  });
  const next = (match: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = lines.find(match);
      if (seen) resolve(seen);
      else waiters.push({ match, resolve });
    });
  return { stream, lines, next };
}

/** A real winston logger writing JSON lines to `stream`. */
function winstonTo(stream: Writable, levels?: winston.config.AbstractConfigSetLevels) {
  const transports = [new winston.transports.Stream({ stream })];
  // winston's typings declare its Stream transport apart from TransportStream, which it extends at run time.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  return winston.createLogger({ ...(levels ? { levels } : {}), level: 'debug', format: winston.format.json(), transports });
}

/** Sends two events through a sluice logging to `logger` and returns what its delivery logged. */
async function deliverWith(logger: ReturnType<typeof pinoLogger>) {
  const { sluice, send, destination } = recordingSluice({ logger });
  send('a', { n: 1 });
  send('a', { n: 2 });
  await sluice.flush();
  return destination.objects[0]?.key;
}

describe('pinoLogger', () => {
  it("delivers Sluice's fields to a real pino logger as the line's own properties", async () => {
    const out = capture();
    const key = await deliverWith(pinoLogger(pino({ level: 'debug' }, out.stream)));
    const line = await out.next((l) => l.msg === 'batch delivered');
    expect(line).toMatchObject({ level: 30, msg: 'batch delivered', destination: 'recording', key, events: 2, attempts: 1 });
  });

  it('keeps pino in charge of levels, and passes every level through', async () => {
    const out = capture();
    const logger = pinoLogger(pino({ level: 'warn' }, out.stream));
    logger.info('hidden', { a: 1 });
    logger.warn('shown', { b: 2 });
    logger.error('also shown', { c: 3 });
    await out.next((l) => l.msg === 'also shown');
    expect(out.lines.map(({ level, msg, a, b, c }) => ({ level, msg, a, b, c }))).toEqual([
      { level: 40, msg: 'shown', a: undefined, b: 2, c: undefined },
      { level: 50, msg: 'also shown', a: undefined, b: undefined, c: 3 },
    ]);
  });

  it('is needed: pino given Sluice’s argument order drops the fields', async () => {
    const out = capture();
    const raw = pino({ level: 'info' }, out.stream);
    // As a Logger would call it (pino's types reject this order, but a binding to LOGGER does not check it).
    Reflect.apply(raw.info, raw, ['batch delivered', { key: 'k' }]);
    const line = await out.next((l) => l.msg === 'batch delivered');
    expect(line.key).toBeUndefined();
  });
});

describe('winstonLogger', () => {
  it("delivers Sluice's fields to a real winston logger as the entry's own properties", async () => {
    const out = capture();
    const key = await deliverWith(winstonLogger(winstonTo(out.stream)));
    const line = await out.next((l) => l.message === 'batch delivered');
    expect(line).toMatchObject({ level: 'info', message: 'batch delivered', destination: 'recording', key, events: 2, attempts: 1 });
  });

  it('logs warnings on a logger with the syslog levels, and keeps a message with % as written', async () => {
    const out = capture();
    const adapted = winstonLogger(winstonTo(out.stream, winston.config.syslog.levels));
    adapted.warn('100% of %s retried', { route: 'r' });
    const line = await out.next((l) => l.route === 'r');
    expect(line).toEqual({ level: 'warning', message: '100% of %s retried', route: 'r' });
  });
});
