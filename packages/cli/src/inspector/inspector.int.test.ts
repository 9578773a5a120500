import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type TestS3Server } from '@sluice/test-support';
import { launchChromium } from '../../test-support/browser.js';
import { BUCKET, startTestCollector, type TestCollector } from '../../test-support/testCollector.js';
import { waitForDelivered } from '../../test-support/waitForDelivered.js';

const output = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-output');
const event = (id: string, prefix: string, payload: unknown) => ({ id, destination: 's3', bucket: BUCKET, prefix, payload });
const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n');
const row = (id: string) => `#events tbody tr[data-id="${id}"]`;

let s3: TestS3Server;
let browser: Browser;
let c: TestCollector | undefined;
let page: Page | undefined;
beforeAll(async () => {
  mkdirSync(output, { recursive: true });
  [s3, browser] = await Promise.all([startS3Server([BUCKET]), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await s3?.close();
});
afterEach(async () => {
  await page?.close();
  await c?.close();
  page = undefined;
  c = undefined;
});

describe('the inspector page', () => {
  it('shows posted events with Dest 0, then Dest 1 and the key once the minute is delivered, without a reload', async () => {
    c = await startTestCollector({}, s3);
    const posted = await c.post(
      ndjson([
        event('order-1001', 'shop/orders', { type: 'order', orderId: 1001, totalCents: 4599, items: [{ sku: 'sku-7', qty: 2 }] }),
        event('view-1', 'web/pageviews', { type: 'pageview', path: '/pricing', ms: 112 }),
        event('view-2', 'web/pageviews', { type: 'pageview', path: '/docs/getting-started', ms: 87 }),
      ]),
      'application/x-ndjson',
    );
    expect(posted.status).toBe(202);

    page = await browser.newPage({ viewport: { width: 1400, height: 640 } });
    await page.goto(`${c.url}/`);
    for (const id of ['order-1001', 'view-1', 'view-2']) await page.waitForSelector(`${row(id)}[data-status="pending"]`);
    expect(await page.locator(`${row('order-1001')} td.dest`).textContent()).toBe('0');
    expect(await page.locator('#connection').textContent()).toBe('live');
    // Survives only if the page is never reloaded.
    await page.evaluate('window.marker = 42');

    const delivered = waitForDelivered(c.collector.sluice, 3);
    await c.clock.advance(60_000);
    await delivered;
    for (const id of ['order-1001', 'view-1', 'view-2']) await page.waitForSelector(`${row(id)}[data-status="delivered"]`);
    expect(await page.locator(`${row('order-1001')} td.dest`).textContent()).toBe('1');
    const [orderKey] = await s3.keys(BUCKET, 'shop/orders/');
    expect(await page.locator(`${row('order-1001')} td.key`).textContent()).toBe(orderKey);
    expect(await page.evaluate('window.marker')).toBe(42);

    // More events arrive live; filter to the pending ones; open the payload viewer.
    await c.post(ndjson([event('view-3', 'web/pageviews', { type: 'pageview', path: '/signup', ms: 240 })]), 'application/x-ndjson');
    await page.waitForSelector(`${row('view-3')}[data-status="pending"]`);
    await page.click(row('order-1001'));
    await page.waitForSelector('#viewer-payload:has-text(\'"orderId": 1001\')');
    await page.screenshot({ path: path.join(output, 'inspector.png') });
    await page.selectOption('#filter-status', 'pending');
    expect(await page.locator('#events tbody tr:not([hidden])').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).toEqual(['view-3']);
    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-destination', 's3');
    expect(await page.locator('#events tbody tr:not([hidden])').count()).toBe(4);
  });

  it('shows payloads and ids with <script> and <img onerror> as text, and runs none of them', async () => {
    c = await startTestCollector({}, s3);
    const hostileId = '<img src=x onerror="window.__pwned=\'id\'">';
    const hostile = {
      html: '<script>window.__pwned = "script"</script>',
      img: '<img src=x onerror="window.__pwned=\'img\'">',
      svg: '<svg onload="window.__pwned=\'svg\'"></svg>',
    };
    expect((await c.post(JSON.stringify(event(hostileId, 'web', hostile)))).status).toBe(202);
    page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${c.url}/`);
    await page.waitForSelector('#events tbody tr');
    await page.click('#events tbody tr');
    await page.waitForSelector('#viewer-payload:has-text("<script>")');

    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('#events img, #events script, #events svg, #viewer img, #viewer script, #viewer svg').count()).toBe(0);
    expect(await page.locator('#events tbody tr td.id').textContent()).toBe(hostileId);
    expect(await page.locator('#viewer-payload').textContent()).toContain('<img src=x onerror=');
    expect(violations).toEqual([]);
    const headers = (await c.get('/')).headers;
    expect(headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    await page.screenshot({ path: path.join(output, 'inspector-hostile-payload.png') });
  });

  it('asks for the bearer token when the collector has tokens, then shows the events', async () => {
    const token = 'inspector-token-0123456789';
    c = await startTestCollector({ auth: { tokens: [token] } }, s3);
    await c.post(JSON.stringify(event('secret-1', 'web', { a: 1 })), 'application/json', { authorization: `Bearer ${token}` });
    page = await browser.newPage();
    await page.goto(`${c.url}/`);
    await page.waitForSelector('#token-form:not([hidden])');
    expect(await page.locator('#events tbody tr').count()).toBe(0);
    await page.fill('#token', token);
    await page.click('#token-form button');
    await page.waitForSelector(row('secret-1'));
  });
});
