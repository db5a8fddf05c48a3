import { type ErrorCode, isErrorCode } from '@pixelflow/errors';
import { MAX_RESULT_BYTES } from '@pixelflow/product';
import { type Dispatcher, request } from 'undici';
import { decodeNotice, NOTICE_HEADER, PARAMS_HEADER } from '../contract.ts';
import { mixedBoundary, progressAccept, readProgressStream } from '../progress-stream.ts';
import { converterAgent } from './agent.ts';
import { readAtMost } from './read.ts';

export interface ConvertRequest {
  /** The converter's base URL. */
  url: string;
  input: Buffer;
  contentType: string;
  params: Record<string, unknown>;
  signal: AbortSignal;
  timeoutMs: number;
  /** Sent as `x-request-id`: the job id, so converter logs can be tied to the job. */
  requestId: string;
  /** Sent as `x-runner-id`: the conversion instance that runs the job. */
  runnerId: string;
  /** The caller's trace (W3C traceparent), continued by the converter's span. */
  traceparent?: string;
  /** For converters that report progress: called with each progress part (0..1). */
  onProgress?: (fraction: number) => void;
}

export type ConvertOutcome =
  /** `notice`: what the converter said of the result for the user (X-Converter-Notice). */
  | { kind: 'ok'; data: Buffer; contentType: string; notice: string | null }
  /** 4xx: the converter refused this input; retrying cannot help. */
  | { kind: 'rejected'; code: ErrorCode; message: string }
  /** 503: the converter is busy; retry after the delay. */
  | { kind: 'busy'; retryAfterMs: number; message: string }
  /** 5xx, a dropped connection or an unusable answer: it may work on another try. */
  | { kind: 'failed'; message: string }
  | { kind: 'timeout'; message: string };

/**
 * A result larger than the product keeps cannot be stored, so reading more is wasted; the extra
 * mebibyte is for the progress parts and the multipart framing around the image.
 */
const MAX_ANSWER_BYTES = MAX_RESULT_BYTES + 1024 * 1024;

/** What a progress answer comes to: the image, or the error part that ended it. */
async function readProgressAnswer(
  body: Dispatcher.ResponseData['body'],
  contentType: string,
  onProgress: ((fraction: number) => void) | undefined,
  signal: AbortSignal,
): Promise<ConvertOutcome> {
  try {
    for await (const event of readProgressStream(body, contentType, MAX_ANSWER_BYTES)) {
      if (event.type === 'image') {
        return { kind: 'ok', data: event.data, contentType: event.contentType, notice: event.notice };
      }
      if (event.type === 'progress') {
        onProgress?.(event.fraction);
        continue;
      }
      const code = isErrorCode(event.code) ? event.code : 'CONVERTER_FAILED';
      const message = typeof event.message === 'string' ? event.message : 'the conversion failed';
      // Busy after all (it filled up while this request was read), or shutting down and giving
      // the work back: wait, as for a 503, and try again (on another instance).
      if (code === 'SERVICE_UNAVAILABLE' || code === 'SHUTTING_DOWN')
        return { kind: 'busy', retryAfterMs: 1000, message };
      // Bad input the converter found late is the input's fault; anything else is its own.
      return code === 'CONVERTER_FAILED' || code === 'INTERNAL_SERVER_ERROR'
        ? { kind: 'failed', message }
        : { kind: 'rejected', code, message };
    }
    return { kind: 'failed', message: 'the progress answer ended without an image' };
  } catch (error) {
    // A timeout, a cancel or a broken connection is the caller's to tell apart (callConverter).
    if (signal.aborted || String((error as { code?: unknown }).code ?? '').startsWith('UND_ERR')) throw error;
    return { kind: 'failed', message: `the progress answer was unusable: ${(error as Error).message}` };
  } finally {
    // What follows the image (the closing delimiter) is read, so that the connection can be reused;
    // anything longer is cut off.
    await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
  }
}

/** An error answer's JSON is small; more than this is not one. */
const MAX_ERROR_BYTES = 64 * 1024;

/** The code and message of a converter's JSON error body, or the fallback for anything else. */
function errorFromBodyText(text: string, fallback: ErrorCode, fallbackMessage: string) {
  try {
    const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return {
      code: isErrorCode(error?.code) ? error.code : fallback,
      message: typeof error?.message === 'string' ? error.message : fallbackMessage,
    };
  } catch {
    return { code: fallback, message: fallbackMessage };
  }
}

function retryAfterMs(header: string | string[] | undefined): number {
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(value) && value >= 0 ? Math.min(value, 30) * 1000 : 1000;
}

/** One call of a converter's `POST /convert` (converters/openapi.yaml). Never throws. */
export async function callConverter(call: ConvertRequest): Promise<ConvertOutcome> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  try {
    const response = await request(`${call.url}/convert`, {
      method: 'POST',
      headers: {
        'content-type': call.contentType,
        accept: progressAccept(call.onProgress !== undefined),
        [PARAMS_HEADER]: JSON.stringify(call.params),
        'x-request-id': call.requestId,
        'x-runner-id': call.runnerId,
        ...(call.traceparent ? { traceparent: call.traceparent } : {}),
      },
      body: call.input,
      dispatcher: converterAgent,
      signal,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
    const { statusCode, headers } = response;
    if (statusCode === 200) {
      const type = String(headers['content-type'] ?? '');
      if (mixedBoundary(type)) return await readProgressAnswer(response.body, type, call.onProgress, signal);
      const data = await readAtMost(response.body, MAX_RESULT_BYTES);
      if (data === null)
        return { kind: 'failed', message: `the converter answered more than ${MAX_RESULT_BYTES} bytes` };
      if (!type.startsWith('image/') || data.length === 0) {
        return {
          kind: 'failed',
          message: `the converter answered 200 with ${data.length} bytes of "${type}"`,
        };
      }
      return { kind: 'ok', data, contentType: type, notice: decodeNotice(headers[NOTICE_HEADER]) };
    }
    const text = ((await readAtMost(response.body, MAX_ERROR_BYTES).catch(() => null)) ?? '').toString();
    if (statusCode === 503) {
      return {
        kind: 'busy',
        retryAfterMs: retryAfterMs(headers['retry-after']),
        message: 'the converter is busy',
      };
    }
    if (statusCode >= 400 && statusCode < 500) {
      const { code, message } = errorFromBodyText(
        text,
        'CONVERTER_REJECTED',
        `the converter refused the input (${statusCode})`,
      );
      return { kind: 'rejected', code, message };
    }
    return {
      kind: 'failed',
      message: errorFromBodyText(text, 'CONVERTER_FAILED', `the converter answered ${statusCode}`).message,
    };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (timeout.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
      return { kind: 'timeout', message: `the converter took longer than ${call.timeoutMs} ms` };
    if (call.signal.aborted) return { kind: 'failed', message: `cancelled: ${String(call.signal.reason)}` };
    return { kind: 'failed', message: `the converter connection failed: ${(error as Error).message}` };
  }
}
