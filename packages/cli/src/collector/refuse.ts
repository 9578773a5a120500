import type { FastifyReply } from 'fastify';

/** Answers `status` with the collector's error body: a machine-readable code and a message saying the fix. */
export function refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).send({ error, message });
}
