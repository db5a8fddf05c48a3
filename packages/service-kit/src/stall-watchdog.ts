import type { ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { answerAndClose, canAnswer, rawErrorAnswer } from './http-limits.ts';

interface Watched {
  request: FastifyRequest;
  /** The socket's byte count (read while the upload arrives, written while the answer leaves). */
  bytes: number;
  since: number;
}

/**
 * Cuts off connections that stall, in either direction. An upload (a request body) that sends
 * nothing for `uploadIdleMs` is answered 408 and closed: Node's own timeouts bound the headers and
 * the whole request, so without this an upload trickling out a byte now and then holds its
 * connection until the request timeout, and one that stops dead well before it. An answer that
 * makes no progress for `answerIdleMs` (a client that stopped reading it) is closed, since Node's
 * socket timeout does not fire while a write waits to leave.
 */
export class StallWatchdog {
  #uploadIdleMs: number;
  readonly #answerIdleMs: number;
  readonly #uploads = new Map<FastifyRequest, Watched>();
  readonly #answers = new Map<FastifyRequest, Watched>();
  readonly #timer: NodeJS.Timeout;

  /** answerIdleMs 0 leaves answers unwatched. */
  constructor({ uploadIdleMs, answerIdleMs }: { uploadIdleMs: number; answerIdleMs: number }) {
    this.#uploadIdleMs = uploadIdleMs;
    this.#answerIdleMs = answerIdleMs;
    const shortest = Math.min(uploadIdleMs, answerIdleMs || uploadIdleMs);
    this.#timer = setInterval(() => this.#check(), Math.min(1000, Math.max(50, shortest / 4)));
    this.#timer.unref();
  }

  /** Watches the request's upload until its body has arrived (or it ended some other way). */
  watchUpload(request: FastifyRequest): void {
    const raw = request.raw;
    if (raw.complete || !hasBody(request) || !onNetwork(request)) return;
    this.#uploads.set(request, { request, bytes: raw.socket.bytesRead, since: Date.now() });
    const forget = () => this.#uploads.delete(request);
    raw.once('end', forget).once('close', forget);
  }

  /** Watches the answer until it has left (or the connection closed). */
  watchAnswer(request: FastifyRequest, response: ServerResponse): void {
    if (this.#answerIdleMs <= 0 || response.writableFinished || !onNetwork(request)) return;
    this.#answers.set(request, { request, bytes: request.raw.socket.bytesWritten, since: Date.now() });
    const forget = () => this.#answers.delete(request);
    response.once('finish', forget).once('close', forget);
  }

  /**
   * At shutdown: an upload that stalled even briefly is taken for abandoned and cut off at once,
   * while one that still makes progress keeps the rest of the grace period to finish.
   */
  shorten(uploadIdleMs: number): void {
    this.#uploadIdleMs = Math.min(this.#uploadIdleMs, uploadIdleMs);
    this.#check();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#uploads.clear();
    this.#answers.clear();
  }

  #check(): void {
    const now = Date.now();
    for (const watched of this.#stalled(this.#uploads, 'bytesRead', this.#uploadIdleMs, now)) {
      const { socket } = watched.request.raw;
      watched.request.log.info({ idleMs: this.#uploadIdleMs }, 'upload stalled; closing the connection');
      const answer = rawErrorAnswer(
        408,
        'Request Timeout',
        'REQUEST_TIMEOUT',
        `the upload sent nothing for ${Math.round(this.#uploadIdleMs / 1000)} s`,
      );
      answerAndClose(socket, canAnswer(socket) ? answer : undefined);
    }
    for (const watched of this.#stalled(this.#answers, 'bytesWritten', this.#answerIdleMs, now)) {
      watched.request.log.info({ idleMs: this.#answerIdleMs }, 'answer not read; closing the connection');
      watched.request.raw.socket.destroy();
    }
  }

  /** Takes out and returns the watched connections whose byte count stood still for idleMs. */
  *#stalled(
    watched: Map<FastifyRequest, Watched>,
    counter: 'bytesRead' | 'bytesWritten',
    idleMs: number,
    now: number,
  ): Generator<Watched> {
    for (const [request, seen] of watched) {
      const { socket } = request.raw;
      if (socket.destroyed) {
        watched.delete(request);
        continue;
      }
      if (socket[counter] !== seen.bytes) {
        seen.bytes = socket[counter];
        seen.since = now;
        continue;
      }
      if (now - seen.since < idleMs) continue;
      watched.delete(request);
      yield seen;
    }
  }
}

/** A request that came over a connection (not one injected in process, which has no socket to stall). */
const onNetwork = (request: FastifyRequest) => request.raw.socket instanceof Socket;

function hasBody(request: FastifyRequest): boolean {
  const { headers } = request.raw;
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}
