import fs from 'node:fs';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3Server, type TestS3Server } from '@sluice/test-support';
import { BUCKET, startTestCollector, type TestCollector } from '../../test-support/testCollector.js';
import { waitForDelivered } from '../../test-support/waitForDelivered.js';

const event = (payload: unknown, extra: Record<string, unknown> = {}) => ({ destination: 's3', bucket: BUCKET, prefix: 'web', payload, ...extra });
const ndjson = (events: unknown[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;

let s3: TestS3Server;
let c: TestCollector | undefined;
beforeAll(async () => void (s3 = await startS3Server([BUCKET])));
afterAll(() => s3.close());
afterEach(async () => {
  await c?.close();
  c = undefined;
  for (const key of await s3.keys(BUCKET)) await s3.client.send(new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
});

describe('POST /v1/events', () => {
  it('accepts a JSON event, a JSON array and NDJSON with 202 and the ids, and delivers every line once the minute ends', async () => {
    c = await startTestCollector({}, s3);
    const one = await c.post(JSON.stringify(event({ n: 1 }, { id: 'evt-1' })));
    const array = await c.post(JSON.stringify([event({ n: 2 }), event({ n: 3 })]));
    const lines = await c.post(`${ndjson([event({ n: 4 }), event({ n: 5 })])}\r\n\n`, 'application/x-ndjson');
    expect([one.status, array.status, lines.status]).toEqual([202, 202, 202]);
    expect(one.body).toEqual({ accepted: 1, ids: ['evt-1'] });
    expect(array.body.accepted).toBe(2);
    expect(lines.body.ids).toHaveLength(2);

    const before = JSON.parse((await c.get('/v1/events/evt-1')).text);
    expect(before).toMatchObject({ id: 'evt-1', dest: 0, destinations: [{ bucket: BUCKET, prefix: 'web', status: 'pending', key: null }], payload: { n: 1 } });

    const delivered = waitForDelivered(c.collector.sluice, 5);
    await c.clock.advance(60_000);
    await delivered;
    expect(((await c.lines()) as Array<{ n: number }>).map((l) => l.n).sort()).toEqual([1, 2, 3, 4, 5]);
    const [key] = await s3.keys(BUCKET);
    const after = JSON.parse((await c.get('/v1/events/evt-1')).text);
    expect(after).toMatchObject({ dest: 1, destinations: [{ status: 'delivered', key }] });
    const metrics = (await c.get('/metrics')).text;
    expect(metrics).toMatch(/^sluice_events_accepted_total 5$/m);
    expect(metrics).toMatch(/^sluice_events_delivered_total 5$/m);
    expect(metrics).toMatch(/^sluice_batches_delivered_total 1$/m);
    expect(metrics).toMatch(/^sluice_pending_bytes 0$/m);
  });

  it('stores each payload as the JSON text received (whitespace between tokens dropped), and refuses a payload that is not JSON', async () => {
    c = await startTestCollector({}, s3);
    const kept = String.raw`{"b":1.0,"a":"caf\u00e9","a":[1E2,-0],"big":12345678901234567890}`;
    const lines = [
      `{"bucket":"${BUCKET}","prefix":"web","payload":${kept},"id":"kept"}`,
      `{ "bucket" : "${BUCKET}" , "prefix" : "web" , "payload" : { "x" : [ 1 ,\t2 ] , "s" : " a  b " } }\r`,
    ];
    expect(await c.post(lines.join('\n'), 'application/x-ndjson')).toMatchObject({ status: 202, body: { accepted: 2 } });
    const multiLine = `{"bucket":"${BUCKET}","prefix":"web","payload":{\n  "n": 3,\n  "list": [\n    "x"\n  ]\n}}`;
    expect(await c.post(multiLine)).toMatchObject({ status: 202, body: { accepted: 1 } });
    const invalid = await c.post(`{"bucket":"${BUCKET}","prefix":"web","payload":{"n":01}}\n{"bucket":"${BUCKET}","payload":[1,]}`, 'application/x-ndjson');
    expect(invalid).toMatchObject({ status: 400, body: { errors: [{ line: 1, error: 'invalid_json' }, { line: 2, error: 'invalid_json' }] } });

    // The inspector's view is JSON: what JSON.stringify writes of the parsed payload (-0 as 0).
    const shown = JSON.parse((await c.get('/v1/events/kept')).text);
    expect(shown.payload).toEqual({ b: 1, a: [100, 0], big: 1.2345678901234567e19 });
    const delivered = waitForDelivered(c.collector.sluice, 3);
    await c.clock.advance(60_000);
    await delivered;
    expect(await c.objectsText()).toBe(`${kept}\n{"x":[1,2],"s":" a  b "}\n{"n":3,"list":["x"]}\n`);
  });

  it('reads NDJSON of ASCII and of other bytes alike: characters beyond ASCII, a byte-order mark, bytes that are not UTF-8', async () => {
    // A ring of two: the first request fills it, so its rows show their payloads from the body's bytes.
    c = await startTestCollector({ inspector: { recentEvents: 2 } }, s3);
    const line = (payload: string, id = '') => `{"bucket":"${BUCKET}","prefix":"web","payload":${payload}${id ? `,"id":"${id}"` : ''}}`;
    // All ASCII (read as bytes), with escapes, spaces and CRLF.
    expect(await c.post(`${line(String.raw`{"s":"caf\u00e9 \"q\"\n"}`, 'a-1')}\r\n\r\n${line('{ "n" : [ 1 , 2 ] }', 'a-2')}\r\n`, 'application/x-ndjson')).toMatchObject({ status: 202, body: { accepted: 2 } });
    expect(JSON.parse((await c.get('/v1/events/a-1')).text)).toMatchObject({ id: 'a-1', payload: { s: 'café "q"\n' } });
    expect(JSON.parse((await c.get('/v1/events/a-2')).text)).toMatchObject({ id: 'a-2', payload: { n: [1, 2] } });
    // A character beyond ASCII (decoded, as before).
    expect(await c.post(`${line('{"s":"café €"}')}\n`, 'application/x-ndjson')).toMatchObject({ status: 202, body: { accepted: 1 } });
    // A byte that is not UTF-8 inside a string: decoded as U+FFFD, as before.
    const notUtf8 = Buffer.concat([Buffer.from(line('{"s":"a').slice(0, -1)), Buffer.from([0xff]), Buffer.from('b"}}')]);
    expect(await c.post(notUtf8, 'application/x-ndjson')).toMatchObject({ status: 202, body: { accepted: 1 } });
    // A byte-order mark before the first line: not JSON there, as before; nothing accepted.
    const bom = await c.post(`\ufeff${line('1')}\n${line('2')}`, 'application/x-ndjson');
    expect(bom).toMatchObject({ status: 400, body: { errors: [{ line: 1, error: 'invalid_json' }] } });
    expect((bom.body.errors as unknown[]).length).toBe(1);
    const delivered = waitForDelivered(c.collector.sluice, 4);
    await c.clock.advance(60_000);
    await delivered;
    expect(await c.objectsText()).toBe(`{"s":"caf\\u00e9 \\"q\\"\\n"}\n{"n":[1,2]}\n{"s":"café €"}\n{"s":"a\ufffdb"}\n`);
  });

  it('answers each of many one-event requests sent at once with its own id, and delivers every event once', async () => {
    c = await startTestCollector({}, s3);
    const collector = c;
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => collector.post(JSON.stringify(event({ i }, { id: `one-${i}` })))));
    expect(answers.map((a) => [a.status, a.body.ids])).toEqual(Array.from({ length: 60 }, (_, i) => [202, [`one-${i}`]]));
    const delivered = waitForDelivered(c.collector.sluice, 60);
    await c.clock.advance(60_000);
    await delivered;
    expect(((await c.lines()) as Array<{ i: number }>).map((l) => l.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('answers 400 naming each bad line (malformed JSON, invalid event, line too long) and accepts nothing of the request', async () => {
    c = await startTestCollector({ limits: { lineBytes: 200 } }, s3);
    const body = [JSON.stringify(event({ ok: true })), '{"bucket": "collector-test", "payload": ', JSON.stringify(event(1, { bucket: 'Not_A_Bucket' })), JSON.stringify(event('x'.repeat(300)))].join('\n');
    const answer = await c.post(body, 'application/x-ndjson');
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/3 event\(s\) are invalid; nothing of the request was accepted/);
    const errors = answer.body.errors as Array<{ line: number; error: string; message: string; issues?: Array<{ field: string; fix: string }> }>;
    expect(errors.map((e) => [e.line, e.error])).toEqual([[2, 'invalid_json'], [3, 'invalid_event'], [4, 'line_too_long']]);
    expect(errors[1]?.issues?.[0]).toMatchObject({ field: '/bucket', fix: expect.stringMatching(/lowercase letters/) });
    expect(errors[2]?.message).toMatch(/over the limit of 200 bytes \(limits.lineBytes\)/);

    const missing = await c.post(JSON.stringify({ bucket: BUCKET }));
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.errors)).toMatch(/\/payload.*is required/);
    const malformed = await c.post('{"bucket": ');
    expect(malformed).toMatchObject({ status: 400, body: { errors: [{ line: 1, error: 'invalid_json' }] } });

    await c.collector.sluice.flush();
    expect(await s3.keys(BUCKET)).toEqual([]);
    expect((await c.get('/metrics')).text).toMatch(/^sluice_events_accepted_total 0$/m);
  });

  it('answers 413 past the body limit, 415 for another content type or encoding, and keeps what it accepted before', async () => {
    c = await startTestCollector({ limits: { bodyBytes: 4096, eventsPerRequest: 10 } }, s3);
    expect((await c.post(JSON.stringify(event({ kept: true })))).status).toBe(202);
    const big = await c.post(ndjson(Array.from({ length: 100 }, (_, i) => event({ i, pad: 'x'.repeat(40) }))), 'application/x-ndjson');
    expect(big.status).toBe(413);
    expect(big.body.message).toMatch(/over the limit of 4096 bytes \(limits.bodyBytes\)/);
    const many = await c.post(ndjson(Array.from({ length: 11 }, (_, i) => event(i))), 'application/x-ndjson');
    expect(many).toMatchObject({ status: 413, body: { error: 'too_many_events' } });
    const text = await c.post(JSON.stringify(event(1)), 'text/plain');
    expect(text).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect(text.body.message).toMatch(/application\/x-ndjson/);
    const gzip = await c.post(JSON.stringify(event(1)), 'application/json', { 'content-encoding': 'gzip' });
    expect(gzip).toMatchObject({ status: 415, body: { error: 'unsupported_encoding' } });

    const delivered = waitForDelivered(c.collector.sluice, 1);
    await c.clock.advance(60_000);
    await delivered;
    expect(await c.lines()).toEqual([{ kept: true }]);
  });

  it('answers 429 with Retry-After under backpressure, is not ready meanwhile, and accepts again once delivered', async () => {
    c = await startTestCollector({ sluice: { maxPendingBytes: 4096, maxEventBytes: 1024 } }, s3);
    // The first body fits under 4096 bytes; the second would take the pending bytes past it.
    const filler = ndjson(Array.from({ length: 25 }, (_, i) => event({ i, pad: 'y'.repeat(60) })));
    expect((await c.post(filler, 'application/x-ndjson')).status).toBe(202);
    const refused = await c.post(filler, 'application/x-ndjson');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ error: 'backpressure', accepted: 0 });
    expect(refused.body.message).toMatch(/Nothing of the request was accepted/);
    const ready = await c.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.text).toMatch(/backpressure/);

    const delivered = waitForDelivered(c.collector.sluice, 25);
    await c.clock.advance(60_000);
    await delivered;
    expect((await c.get('/readyz')).status).toBe(200);
    expect((await c.post(JSON.stringify(event({ after: true })))).status).toBe(202);
    expect((await c.get('/metrics')).text).toMatch(/^sluice_events_rejected_total\{reason="backpressure"\} 25$/m);
  });

  it('answers per line when the spool fails mid-request: the lines before are accepted, none of the failed write is half stored', async () => {
    c = await startTestCollector({ sluice: { maxEventBytes: 1024 } }, s3);
    const body = [
      JSON.stringify(event({ n: 1 }, { prefix: 'a' })),
      JSON.stringify(event({ n: 2 }, { prefix: 'a' })),
      '',
      JSON.stringify(event({ n: 3, pad: 'z'.repeat(1_500) }, { prefix: 'a' })),
      JSON.stringify(event({ n: 4, disk: 'full' }, { prefix: 'b' })),
      JSON.stringify(event({ n: 5 }, { prefix: 'b' })),
      JSON.stringify(event({ n: 6 }, { prefix: 'a' })),
    ].join('\n');
    // The disk fills up when the records of prefix b are written: a real file spool, a write(2) that fails.
    const write = fs.writeSync;
    const full = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buffer: Uint8Array, ...rest: never[]) => {
      if (Buffer.from(buffer).includes('"disk":"full"')) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return write(fd, buffer, ...rest);
    }) as typeof fs.writeSync);
    const answer = await c.post(body, 'application/x-ndjson');
    full.mockRestore();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'spool_failed', accepted: 2, firstRejectedLine: 5 });
    expect(answer.body.ids).toHaveLength(2);
    expect((answer.body.errors as Array<{ line: number; error: string }>).map((e) => [e.line, e.error])).toEqual([[4, 'invalid_event']]);
    expect(answer.body.message).toMatch(/the disk is full.*Lines from 5 on were not accepted \(none of them half stored\)/);
    expect((await spooledRecords(c.spoolDirectory)).map((record) => (record as { n?: number }).n)).toEqual([1, 2]);
    const notReady = await c.get('/readyz');
    expect([notReady.status, notReady.text]).toEqual([503, expect.stringMatching(/spool: .*disk is full/)]);

    // Room again: the client sends the lines from 5 on again.
    const retried = await c.post(body.split('\n').slice(4).join('\n'), 'application/x-ndjson');
    expect(retried.status).toBe(202);
    expect((await c.get('/readyz')).status).toBe(200);
    const delivered = waitForDelivered(c.collector.sluice, 5);
    await c.clock.advance(60_000);
    await delivered;
    expect(((await c.lines()) as Array<{ n: number }>).map((l) => l.n).sort()).toEqual([1, 2, 4, 5, 6]);
    expect((await c.get('/metrics')).text).toMatch(/^sluice_events_rejected_total\{reason="spool"\} 3$/m);
  });

  it('answers 408 to a client that does not send its body in time, and stays available to others', async () => {
    c = await startTestCollector({ limits: { requestTimeoutMs: 500, headersTimeoutMs: 500 } }, s3);
    const { port } = new URL(c.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"bucket":`);
    await closed;
    expect(answer).toMatch(/^HTTP\/1.1 408 Request Timeout/);
    expect(answer).toMatch(/not received whole within 500 ms \(limits.requestTimeoutMs\)/);
    expect((await c.post(JSON.stringify(event(1)))).status).toBe(202);
  });

  it('takes ten thousand distinct prefixes in one request, stays ready, and loses none of them at a shutdown deadline', async () => {
    c = await startTestCollector({}, s3);
    const events = Array.from({ length: 10_000 }, (_, i) => event({ i }, { prefix: `tenant-${i}` }));
    const answer = await c.post(ndjson(events), 'application/x-ndjson');
    expect(answer.status).toBe(202);
    expect(answer.body.accepted).toBe(10_000);
    expect((await c.get('/readyz')).status).toBe(200);
    const metrics = (await c.get('/metrics')).text;
    expect(metrics).toMatch(/^sluice_pending_events 10000$/m);
    expect(metrics).toMatch(/^sluice_routes 10000$/m);
    expect((await c.post(JSON.stringify(event({ i: 10_000 }, { prefix: 'after' })))).status).toBe(202);

    // Ten thousand objects take s3rver minutes: shut down with a deadline instead, and find
    // every event either in the bucket or in the file spool for the next start.
    const closing = c.collector.close(1_000);
    await c.clock.advance(1_000);
    const report = await closing;
    const delivered = (await c.lines()) as Array<{ i: number }>;
    const spooled = await spooledRecords(c.spoolDirectory);
    expect(report).toMatchObject({ drained: false, kept: true });
    // Counted at the deadline; uploads in flight then may still have finished.
    expect(report.undeliveredEvents).toBeGreaterThanOrEqual(10_001 - delivered.length);
    const found = new Set([...delivered, ...spooled].map((record) => record.i));
    expect(found.size).toBe(10_001);
  });
});

/** The records of the pending batches a file spool holds (batches/*.ndjson, one record a line). */
async function spooledRecords(directory: string): Promise<Array<{ i: number }>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const records: Array<{ i: number }> = [];
  for (const name of await readdir(`${directory}/batches`)) {
    if (!name.endsWith('.ndjson')) continue;
    for (const line of (await readFile(`${directory}/batches/${name}`, 'utf8')).split('\n')) if (line) records.push(JSON.parse(line));
  }
  return records;
}

describe('authorization', () => {
  it('asks for a bearer token when tokens are configured, and compares it', async () => {
    const token = 'a-test-token-of-sufficient-length';
    c = await startTestCollector({ auth: { tokens: [token] } }, s3);
    const none = await c.post(JSON.stringify(event(1)));
    expect(none).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await c.post(JSON.stringify(event(1)), 'application/json', { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await c.post(JSON.stringify(event(1)), 'application/json', { authorization: `Bearer ${token}` })).status).toBe(202);
    expect((await c.get('/metrics')).status).toBe(401);
    expect((await c.get('/healthz')).status).toBe(200);
  });

  it('without tokens answers only to loopback host names', async () => {
    c = await startTestCollector({}, s3);
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(new URL(c!.url).port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.write('GET /v1/events/x HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1.1 403/);
    expect(answer).toMatch(/not a loopback name/);
  });
});

describe('GET /v1/events/:id', () => {
  it('answers 404 with a reason for an unknown id', async () => {
    c = await startTestCollector({}, s3);
    const answer = await c.get('/v1/events/nope');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text).message).toMatch(/No event "nope"/);
  });
});
