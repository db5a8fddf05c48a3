export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** The boundary of a `multipart/mixed; boundary=…` content type, or null for anything else. */
export function mixedBoundary(contentType: string): string | null {
  if (!/^multipart\/mixed\b/i.test(contentType)) return null;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Reads a multipart/mixed body part by part, as the parts arrive: a converter's progress parts
 * are handled while it is still working (converters/openapi.yaml). Throws on a malformed body.
 */
export async function* readParts(
  body: AsyncIterable<Buffer>,
  boundary: string,
  maxBytes: number,
): AsyncGenerator<Part> {
  const delimiter = Buffer.from(`--${boundary}`);
  let buffer: Buffer = Buffer.alloc(0);
  let received = 0;
  let started = false;
  const iterator = body[Symbol.asyncIterator]();
  const more = async () => {
    const step = await iterator.next();
    if (step.done) return false;
    received += step.value.length;
    if (received > maxBytes) throw new Error(`the answer is larger than ${maxBytes} bytes`);
    buffer = buffer.length === 0 ? step.value : Buffer.concat([buffer, step.value]);
    return true;
  };
  for (;;) {
    if (!started) {
      const at = buffer.indexOf(delimiter);
      if (at < 0) {
        if (!(await more())) throw new Error('the multipart answer has no parts');
        continue;
      }
      buffer = buffer.subarray(at + delimiter.length);
      started = true;
    }
    // After a delimiter: `--` ends the body, CRLF starts a part.
    while (buffer.length < 2) if (!(await more())) throw new Error('the multipart answer ends early');
    if (buffer[0] === 0x2d && buffer[1] === 0x2d) return;
    const headersEnd = buffer.indexOf('\r\n\r\n');
    if (headersEnd < 0) {
      if (!(await more())) throw new Error('a part of the multipart answer has no end of headers');
      continue;
    }
    const headers = parseHeaders(buffer.subarray(2, headersEnd).toString('latin1'));
    const bodyStart = headersEnd + 4;
    const next = Buffer.concat([Buffer.from('\r\n'), delimiter]);
    let end = buffer.indexOf(next, bodyStart);
    while (end < 0) {
      // Search only what is new (and the delimiter's length before it), not the whole part again.
      const from = Math.max(bodyStart, buffer.length - next.length);
      if (!(await more())) throw new Error('a part of the multipart answer is cut off');
      end = buffer.indexOf(next, from);
    }
    yield { headers, body: buffer.subarray(bodyStart, end) };
    buffer = buffer.subarray(end + next.length);
  }
}
