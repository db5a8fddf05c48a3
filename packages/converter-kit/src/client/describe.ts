import { request } from 'undici';
import type { ConverterDescription } from '../contract.ts';
import { converterAgent } from './agent.ts';
import { readAtMost } from './read.ts';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks what a converter's `/describe` answered against the spec's `Description`, as far as the
 * conversion service relies on it; throws naming what is wrong. A description without `params`
 * or `progress` takes none and reports none, as converters did before those were required.
 */
export function parseDescription(value: unknown): ConverterDescription {
  if (!isObject(value)) throw new Error('the description is not a JSON object');
  for (const field of ['id', 'title', 'description'] as const) {
    if (typeof value[field] !== 'string') throw new Error(`the description's ${field} is not a string`);
  }
  const params = value.params ?? {};
  if (!isObject(params)) throw new Error("the description's params is not a JSON Schema object");
  const progress = value.progress ?? false;
  if (typeof progress !== 'boolean') throw new Error("the description's progress is not a boolean");
  if (value.cost !== undefined && value.cost !== 'light' && value.cost !== 'heavy') {
    throw new Error("the description's cost is neither light nor heavy");
  }
  return { ...(value as unknown as ConverterDescription), params, progress };
}

/** A description is a few kilobytes of JSON; one past this is broken or hostile. */
const MAX_DESCRIPTION_BYTES = 1024 * 1024;

/** A converter's `GET /describe`, checked; throws when it cannot be had or makes no sense. */
export async function describeConverter(
  url: string,
  { timeoutMs = 5000 }: { timeoutMs?: number } = {},
): Promise<ConverterDescription> {
  const response = await request(`${url}/describe`, {
    dispatcher: converterAgent,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`${url}/describe answered ${response.statusCode}`);
  }
  const text = await readAtMost(response.body, MAX_DESCRIPTION_BYTES);
  if (text === null) throw new Error(`${url}/describe answered more than ${MAX_DESCRIPTION_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text.toString());
  } catch {
    throw new Error(`${url}/describe did not answer JSON`);
  }
  return parseDescription(json);
}
