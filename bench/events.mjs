// Deterministic, realistic events: 300–600 bytes of JSON with nested objects, strings,
// numbers, booleans and arrays, from a seeded generator (mulberry32), so every run and every
// contender sees the same bytes.
export function createRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATHS = ['/', '/pricing', '/docs/getting-started', '/blog/2024/how-we-batch-events', '/signup', '/checkout/payment', '/api/v2/orders'];
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'curl/8.5.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'sa-east-1'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/**
 * Distinct events the benchmark keeps: about 20 MB of heap. A run of a million events cycles
 * through them, so the heap the collector walks is a service's, not a million live objects
 * the benchmark made up; a cycle (about 8 MB of JSON) is far longer than gzip's 32 KiB
 * window, so repetition does not flatter the compression.
 */
export const DISTINCT_EVENTS = 20_000;

/** `count` events (cycling through at most DISTINCT_EVENTS objects); the same seed always gives the same events. */
export function generateEvents(count, seed = 1) {
  const distinct = distinctEvents(Math.min(count, DISTINCT_EVENTS), seed);
  return Array.from({ length: count }, (_, i) => distinct[i % distinct.length]);
}

function distinctEvents(count, seed) {
  const random = createRandom(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const events = new Array(count);
  const start = Date.parse('2024-06-01T00:00:00Z');
  for (let i = 0; i < count; i += 1) {
    const tags = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(WORDS));
    events[i] = {
      id: `evt_${i.toString(36)}_${Math.floor(random() * 1e9).toString(36)}`,
      type: pick(['pageview', 'click', 'purchase', 'signup']),
      at: new Date(start + i * 13).toISOString(),
      user: { id: Math.floor(random() * 1e6), anonymous: random() < 0.3, plan: pick(['free', 'pro', 'team']), region: pick(REGIONS) },
      request: { path: pick(PATHS), method: random() < 0.8 ? 'GET' : 'POST', status: random() < 0.95 ? 200 : 500, durationMs: Math.round(random() * 900 * 100) / 100, userAgent: pick(AGENTS) },
      tags,
      metrics: [random(), random() * 10, Math.floor(random() * 1000)],
      note: random() < 0.2 ? `${pick(WORDS)} ${pick(WORDS)}\n${pick(WORDS)}` : null,
    };
  }
  return events;
}
