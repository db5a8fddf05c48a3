import type { Logger } from '@pixelflow/logger';
import type { Identity } from '@pixelflow/service-kit';
import type { Accounts } from './accounts.ts';

export interface AuthContext {
  /** Who is calling, as the gateway vouched for it; anonymous when the envelope is missing or forged. */
  identity: Identity;
  accounts: Accounts;
  logger: Logger;
}
