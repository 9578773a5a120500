// The platform's ceiling for the collector's one-event requests: a server that reads the body
// and answers 202 with a small JSON body of ids, and does nothing else (no parsing, no spool,
// no S3). argv: `node` (node:http alone) or `fastify` (fastify with a body parser that keeps
// the text). Prints {"url"} when listening; on SIGTERM prints
// {"accepted","cpuMs","mainCpuMs","maxRssBytes"} as collector-server.mjs does, and exits.
import http from 'node:http';
import Fastify from 'fastify';
import { threadCpu } from './cpu.mjs';

const kind = process.argv[2];
let accepted = 0;
let next = 0;
// Ids of the collector's length, so both answers carry as many bytes.
const answer = () => `{"accepted":1,"ids":["${(next++).toString(16).padStart(26, '0')}"]}`;
let server;
if (kind === 'node') {
  server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.length > 0) accepted += 1;
      response.writeHead(202, { 'content-type': 'application/json; charset=utf-8' }).end(answer());
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
} else if (kind === 'fastify') {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/v1/events', (request, reply) => {
    if (request.body.length > 0) accepted += 1;
    return reply.code(202).type('application/json; charset=utf-8').send(answer());
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  server = app.server;
} else {
  throw new Error(`collector-bare-server.mjs: unknown kind ${kind} (node or fastify)`);
}
const cpu = threadCpu();
const cpuAtStart = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
process.once('SIGTERM', () => {
  const { user, system } = process.cpuUsage(cpuAtStart);
  const threads = cpu();
  process.stdout.write(`${JSON.stringify({ drained: true, accepted, cpuMs: (user + system) / 1000, mainCpuMs: (threads.mainThreadCpuSeconds ?? Number.NaN) * 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
});
