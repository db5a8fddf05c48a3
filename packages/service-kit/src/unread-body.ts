import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The most of an unread request body that is read and dropped before an early answer, so that a
 * client still sending reads the answer instead of failing on a reset connection. Beyond it the
 * answer goes at once and the connection is closed behind it.
 */
export const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Before any answer to a request whose body has not fully arrived (an early refusal: too large,
 * not preflighted, a bad multipart part): read and drop the rest when it is small enough, or close
 * the connection after the answer. A keep-alive client that reused the connection would otherwise
 * find it out of step, and an answer that waited for a body nobody reads would never leave. The
 * service's request and upload timeouts bound how long the dropping may take.
 */
export async function finishReading(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const raw = request.raw;
  if (raw.complete || raw.destroyed || raw.readableEnded) return;
  const declared = Number(raw.headers['content-length']);
  if (Number.isFinite(declared) && declared > DISCARD_LIMIT) {
    reply.header('connection', 'close');
    return;
  }
  await new Promise<void>((resolve) => {
    let dropped = 0;
    const count = (chunk: Buffer) => {
      dropped += chunk.length;
      // A chunked body that turns out to be absurd: stop dropping and close after the answer.
      if (dropped > DISCARD_LIMIT) {
        raw.off('data', count);
        reply.header('connection', 'close');
        resolve();
      }
    };
    raw.on('data', count);
    raw
      .once('end', resolve)
      .once('close', resolve)
      .once('error', () => resolve());
    raw.resume();
  });
}
