import { createPgliteSql } from '@pixelflow/drivers';
import { describeAccounts } from './contract/accounts.contract.ts';
import type { OpenDatabase } from './contract/harness.ts';
import { describeThrottle } from './contract/throttle.contract.ts';
import { describeTokens } from './contract/tokens.contract.ts';

// PostgreSQL 18 in WebAssembly, in memory: a fresh database per suite.
const open: OpenDatabase = async () => {
  const sql = await createPgliteSql(undefined);
  return { sql, drop: () => sql.close() };
};

describeAccounts('PGlite', open);
describeTokens('PGlite', open);
describeThrottle('PGlite', open);
