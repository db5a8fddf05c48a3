import { parseEnv, z } from '@pixelflow/config';
import { describe, expect, it } from 'vitest';
import { limitsEnv, operationLimitsFrom, websocketLimitsFrom } from './env.ts';
import {
  defaultOperationLimits,
  defaultWebSocketLimits,
  MAX_CLIENT_PAYLOAD_BYTES,
  MAX_FORWARDED_BYTES,
} from './limits.ts';

const read = (source: Record<string, string>) => parseEnv(z.object(limitsEnv), source);

describe('the limits in the environment', () => {
  it('default to the limits the code documents', () => {
    const env = read({});
    expect(operationLimitsFrom(env)).toEqual(defaultOperationLimits);
    expect(websocketLimitsFrom(env)).toEqual({
      ...defaultWebSocketLimits,
      connectionInitWaitTimeoutMs: 3000,
      keepAliveMs: 12_000,
      closeGraceMs: 1000,
    });
  });

  it('take each variable, and list every bad one at once', () => {
    const env = read({ GRAPHQL_MAX_COST: '100', WS_MAX_SOCKETS_PER_CLIENT: '0', WS_KEEP_ALIVE_MS: '30000' });
    expect(operationLimitsFrom(env).maxCost).toBe(100);
    expect(websocketLimitsFrom(env)).toMatchObject({ maxSocketsPerClient: 0, keepAliveMs: 30_000 });
    expect(() => read({ GRAPHQL_MAX_DEPTH: '1000', GRAPHQL_MAX_TOKENS: '0' })).toThrow(
      /GRAPHQL_MAX_DEPTH[\s\S]*GRAPHQL_MAX_TOKENS/,
    );
  });

  it('keep a client message far below what the gateway may forward to a subgraph', () => {
    expect(websocketLimitsFrom(read({})).maxPayloadBytes).toBe(128 * 1024);
    expect(websocketLimitsFrom(read({ WS_MAX_PAYLOAD_BYTES: '262144' })).maxPayloadBytes).toBe(256 * 1024);
    expect(() => read({ WS_MAX_PAYLOAD_BYTES: '262145' })).toThrow(/WS_MAX_PAYLOAD_BYTES/);
    expect(MAX_CLIENT_PAYLOAD_BYTES * 2).toBeLessThanOrEqual(MAX_FORWARDED_BYTES);
  });
});
