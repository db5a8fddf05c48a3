import type { Logger } from '@pixelflow/logger';
import type { Identity } from '@pixelflow/service-kit';
import type { JobUpdatesOptions } from './job-updates.ts';
import type { JobStore } from './store/job-store.ts';

export interface JobsContext {
  /** The caller, as the gateway vouched for it. */
  identity: Identity;
  store: JobStore;
  /** Base of public URLs (the gateway), e.g. http://localhost:4000. */
  publicUrl: string;
  updates: JobUpdatesOptions;
  logger: Logger;
}
