import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The most of an unread request body that is read and dropped after an early answer, so that a
 * client still sending reads the answer instead of failing on a reset connection. A larger one's
 * connection is closed behind the answer.
 */
export const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Before any answer to a request whose body has not fully arrived (an early refusal: too large,
 * not preflighted, a bad multipart part): the answer leaves at once, and Node reads and drops the
 * rest of the body once it has gone (the connection stays in step for the next request; the
 * request and upload timeouts bound how long that may take). A body declared larger than
 * DISCARD_LIMIT is not worth reading: the connection is closed behind the answer instead.
 */
export function finishReading(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw;
  if (raw.complete || raw.destroyed || raw.readableEnded) return;
  const declared = Number(raw.headers['content-length']);
  if (Number.isFinite(declared) && declared > DISCARD_LIMIT) reply.header('connection', 'close');
}
