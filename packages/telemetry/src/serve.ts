import { createServer } from 'node:http';
import { exposition } from './metrics.ts';

/** Where a process serves its metrics: on each service's own port, on a port of its own, or not. */
export interface MetricsSettings {
  /** @default true */
  enabled: boolean;
  /**
   * A port for `/metrics` alone (the chart's, which no Ingress routes to); absent: `/metrics` is a
   * route of every service's own port, as in `pnpm start` (on the gateway's, the whole process's).
   */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
}

let settings: MetricsSettings = { enabled: true };

export function configureMetrics(next: MetricsSettings): void {
  settings = next;
}

export function metricsSettings(): Readonly<MetricsSettings> {
  return settings;
}

/** `GET /metrics` on a port of its own; anything else is a JSON 404. Resolves once listening. */
export async function serveMetrics(port: number, host = '0.0.0.0') {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      const body = JSON.stringify({ error: { code: 'NOT_FOUND', message: 'only GET /metrics here' } });
      response.writeHead(404, { 'content-type': 'application/json' }).end(body);
      return;
    }
    exposition().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      () =>
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"error":{"code":"INTERNAL_SERVER_ERROR","message":"metrics failed"}}'),
    );
  });
  // Slow or idle scrapers hold nothing for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
