import { EnvError } from '@pixelflow/config';
import { describe, expect, it } from 'vitest';
import { embeddedOptionsFromEnv } from './embedded.ts';

describe("pnpm start's environment", () => {
  it('sets the same limits as in the cluster, by the same variables', () => {
    const { options } = embeddedOptionsFromEnv({
      GRAPHQL_MAX_ALIASES: '3',
      WS_MAX_SOCKETS_PER_CLIENT: '4',
      MAX_CONNECTIONS_PER_ADDRESS: '8',
      UPLOAD_IDLE_TIMEOUT_MS: '5000',
      CONVERT_RATE_ANONYMOUS: '7',
      MAX_QUEUE_LENGTH: '50',
      SHUTDOWN_DRAIN_MS: '0',
      EXTRA_CONVERTERS: 'mine=http://127.0.0.1:9000',
    });
    expect(options.gatewayLimits.operationLimits.maxAliases).toBe(3);
    expect(options.gatewayLimits.websocket.maxSocketsPerClient).toBe(4);
    expect(options.http).toMatchObject({ maxConnectionsPerAddress: 8, uploadIdleTimeoutMs: 5000 });
    expect(options.conversionLimits).toMatchObject({ anonymousRate: 7, maxQueueLength: 50 });
    expect(options.drainMs).toBe(0);
    expect(options.extraConverters).toEqual([{ id: 'mine', url: 'http://127.0.0.1:9000' }]);
  });

  it('defaults to a laptop: loopback, a 64-connection cap, a short drain', () => {
    const { options } = embeddedOptionsFromEnv({});
    expect(options).toMatchObject({ host: '127.0.0.1', port: 4000, drainMs: 5000, extraConverters: [] });
    expect(options.http.maxConnectionsPerAddress).toBe(64);
  });

  it('lists every bad variable at once', () => {
    expect(() =>
      embeddedOptionsFromEnv({ GRAPHQL_MAX_DEPTH: '0', MAX_QUEUE_LENGTH: 'many', EXTRA_CONVERTERS: 'nourl' }),
    ).toThrow(EnvError);
    try {
      embeddedOptionsFromEnv({ GRAPHQL_MAX_DEPTH: '0', MAX_QUEUE_LENGTH: 'many', EXTRA_CONVERTERS: 'nourl' });
    } catch (error) {
      const problems = (error as EnvError).problems.join('\n');
      for (const name of ['GRAPHQL_MAX_DEPTH', 'MAX_QUEUE_LENGTH', 'EXTRA_CONVERTERS'])
        expect(problems).toContain(name);
    }
  });
});
