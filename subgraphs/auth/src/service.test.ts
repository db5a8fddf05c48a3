import { createPgliteSql } from '@pixelflow/drivers';
import { describeAccounts } from '../testing/accounts.suite.ts';
import type { OpenDatabase } from '../testing/harness.ts';
import { describeThrottle } from '../testing/throttle.suite.ts';
import { describeTokens } from '../testing/tokens.suite.ts';

// PostgreSQL 18 in WebAssembly, in memory: a fresh database per suite.
const open: OpenDatabase = async () => {
  const sql = await createPgliteSql(undefined);
  return { sql, drop: () => sql.close() };
};

describeAccounts('PGlite', open);
describeTokens('PGlite', open);
describeThrottle('PGlite', open);
