import { setTimeout as sleep } from 'node:timers/promises';
import { PixelflowClient } from './client.ts';

export interface LoadOptions {
  /** Clients converting at once, each one job after the other. @default 4 */
  clients?: number;
  /** The image every job converts. */
  image: Buffer;
  /** @default 'grayscale' */
  converter?: string;
  /** How often a client asks for its job's state. @default 200 */
  pollMs?: number;
  /** How long a job may take before it counts as lost. @default 120_000 */
  jobTimeoutMs?: number;
}

export interface LoadReport {
  /** Every HTTP request made: conversions and polls. */
  requests: number;
  /** Requests that did not get a proper answer: a network error, an HTTP error or a GraphQL error. */
  failedRequests: string[];
  /** Jobs created (convertImage answered with a job). */
  jobs: number;
  succeeded: number;
  /** Jobs that ended FAILED, with their error. */
  failedJobs: string[];
  /** Jobs that went missing (JobNotFound) or never ended within the timeout. */
  lost: string[];
  seconds: number;
}

export interface Load {
  /** Stops starting new jobs, waits for those in flight, and reports. */
  stop(): Promise<LoadReport>;
  /** The report so far (jobs in flight not yet counted). */
  readonly report: LoadReport;
}

/** The error and what caused it (fetch's "fetch failed" says why in its cause: ECONNRESET, …). */
const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const why = cause ? ` (${[cause.code, cause.message].filter(Boolean).join(': ')})` : '';
  return `${error.name}: ${error.message}${why}`;
};

/**
 * Converts images against a running Pixelflow from several clients until stopped, the way a
 * client that cannot hold a socket does (convertImage, then the polling query), and counts every
 * request that failed and every job that was lost. Requests are not retried: a rolling restart
 * that drops one counts. For the claims "zero failed requests, zero lost jobs" under restarts.
 */
export function startLoad(url: string, options: LoadOptions): Load {
  const { clients = 4, image, converter = 'grayscale', pollMs = 200, jobTimeoutMs = 120_000 } = options;
  const report: LoadReport = {
    requests: 0,
    failedRequests: [],
    jobs: 0,
    succeeded: 0,
    failedJobs: [],
    lost: [],
    seconds: 0,
  };
  const started = performance.now();
  let stopping = false;

  /** One request, counted; undefined when it failed (and the failure recorded). */
  async function request<T>(what: string, send: () => Promise<T>): Promise<T | undefined> {
    report.requests++;
    try {
      return await send();
    } catch (error) {
      // The time says which restart or deletion it fell into.
      report.failedRequests.push(`${new Date().toISOString()} ${what}: ${describe(error)}`);
      return undefined;
    }
  }

  async function oneJob(client: PixelflowClient): Promise<void> {
    const created = await request('convertImage', async () => {
      const response = await client.convert(image, converter, { filename: 'load.png' });
      const id = response.data?.convertImage?.id;
      if (response.status !== 200 || !id) {
        throw new Error(`HTTP ${response.status} ${JSON.stringify(response.errors ?? response.data)}`);
      }
      return id;
    });
    if (!created) return;
    report.jobs++;
    const deadline = Date.now() + jobTimeoutMs;
    while (Date.now() < deadline) {
      const state = await request(`job(${created})`, () => client.poll(created));
      if (state?.outcome === 'JobDone') {
        report.succeeded++;
        return;
      }
      if (state?.outcome === 'JobFailed') {
        report.failedJobs.push(`${created}: ${JSON.stringify(state.job?.error)}`);
        return;
      }
      if (state?.outcome === 'JobNotFound') {
        report.lost.push(`${created}: JobNotFound`);
        return;
      }
      await sleep(pollMs);
    }
    report.lost.push(`${created}: not done after ${jobTimeoutMs} ms`);
  }

  // One address for all: the installation's per-client quotas must allow `clients` jobs at once.
  const loops = Array.from({ length: clients }, async () => {
    const client = new PixelflowClient(url);
    try {
      while (!stopping) await oneJob(client);
    } finally {
      await client.close();
    }
  });

  return {
    report,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      report.seconds = (performance.now() - started) / 1000;
      return report;
    },
  };
}
