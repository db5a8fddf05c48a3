import { authSettings } from '@pixelflow/auth/env';
import { EnvError } from '@pixelflow/config';
import { conversionSettings } from '@pixelflow/conversion/env';
import { gallerySettings } from '@pixelflow/gallery/env';
import { gatewaySettings } from '@pixelflow/gateway/env';
import { jobsSettings } from '@pixelflow/jobs/env';
import { describe, expect, it } from 'vitest';
import { embeddedOptionsFromEnv } from './embedded.ts';
import { embeddedConversionSlots } from './runtime.ts';

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
    expect(options.gateway.operationLimits.maxAliases).toBe(3);
    expect(options.gateway.websocket.maxSocketsPerClient).toBe(4);
    expect(options.gateway.http).toMatchObject({ maxConnectionsPerAddress: 8, uploadIdleTimeoutMs: 5000 });
    expect(options.conversion.limits).toMatchObject({ anonymousRate: 7, maxQueueLength: 50 });
    expect(options.conversion.drainMs).toBe(0);
    expect(options.extraConverters).toEqual([{ id: 'mine', url: 'http://127.0.0.1:9000' }]);
  });

  it('defaults to a laptop: loopback, a 64-connection cap, a short drain, a few conversions at once', () => {
    const { options } = embeddedOptionsFromEnv({});
    expect(options).toMatchObject({ host: '127.0.0.1', port: 4000, extraConverters: [] });
    expect(options.gateway.http.maxConnectionsPerAddress).toBe(64);
    expect(options.conversion.drainMs).toBe(5000);
    expect(options.converters.maxInFlight).toBe(embeddedConversionSlots);
  });

  it("takes every other setting's default from the service's env.ts, and its variable too", () => {
    const { options } = embeddedOptionsFromEnv({});
    expect(options.auth).toEqual(authSettings.defaults);
    expect(options.gallery).toEqual(gallerySettings.defaults);
    expect(options.jobs).toEqual(jobsSettings.defaults);
    expect(options.conversion).toEqual({ ...conversionSettings.defaults, drainMs: 5000 });
    expect(options.gateway).toEqual(gatewaySettings.defaults);
    const set = embeddedOptionsFromEnv({
      JOB_TTL_MS: '5000',
      MAX_UPLOAD_BYTES: '1000',
      URL_TTL_S: '60',
    }).options;
    expect([set.jobs.jobTtlMs, set.conversion.jobTtlMs]).toEqual([5000, 5000]);
    expect([set.gateway.maxUploadBytes, set.conversion.maxUploadBytes]).toEqual([1000, 1000]);
    expect(set.gallery.urlTtlS).toBe(60);
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

  it('takes a log level per service over LOG_LEVEL, and refuses what is not service=level', () => {
    expect(embeddedOptionsFromEnv({}).options.logLevels).toEqual({});
    const { options } = embeddedOptionsFromEnv({
      LOG_LEVEL: 'warn',
      LOG_LEVELS: 'conversion=debug, gateway=error',
    });
    expect(options.logLevel).toBe('warn');
    expect(options.logLevels).toEqual({ conversion: 'debug', gateway: 'error' });
    for (const bad of ['conversion', 'conversion=loud', '=debug', 'a=b=c']) {
      expect(() => embeddedOptionsFromEnv({ LOG_LEVELS: bad }), bad).toThrow(/LOG_LEVELS/);
    }
  });
});
