import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createPgSql } from '@pixelflow/drivers';
import { describe, expect, it } from 'vitest';
import { describeAccounts } from '../testing/accounts.suite.ts';
import { type OpenDatabase, secret } from '../testing/harness.ts';
import { describeThrottle } from '../testing/throttle.suite.ts';
import { describeTokens } from '../testing/tokens.suite.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error(
    'DATABASE_URL is not set: the int tier needs a PostgreSQL server, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres',
  );
}
const serverUrl: string = url;

/** A database of its own: the auth schema has a fixed name, and suites (or runs) must not collide. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `auth_test_${randomUUID().replaceAll('-', '')}`;
  const admin = createPgSql(serverUrl, { max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${name}`;
  return {
    url: databaseUrl.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

const open: OpenDatabase = async () => {
  const database = await createDatabase();
  const sql = createPgSql(database.url, { max: 10 });
  return {
    sql,
    async drop() {
      await sql.close();
      await database.drop();
    },
  };
};

describeAccounts('PostgreSQL', open);
describeTokens('PostgreSQL', open);
describeThrottle('PostgreSQL', open);

describe('auth main', () => {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));

  it('starts from the environment, serves, and exits 0 on SIGTERM', async () => {
    const database = await createDatabase();
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        INTERNAL_SECRET: secret,
        PORT: '0',
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let listening: string | undefined;
      for await (const line of createInterface({ input: child.stdout! })) {
        const entry = JSON.parse(line) as { msg: string; url?: string };
        if (entry.msg === 'auth listening') {
          listening = entry.url;
          break;
        }
      }
      expect(listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${listening}/readyz`)).status).toBe(200);
      const jwks = (await (await fetch(`${listening}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
      expect(jwks.keys.length).toBe(1);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await database.drop();
    }
  });

  it('lists every problem of the environment and exits 1', async () => {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, INTERNAL_SECRET: 'short', LOGIN_WINDOW_S: 'soon' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect((await once(child, 'exit'))[0]).toBe(1);
    expect(stderr).toMatch(/DATABASE_URL/);
    expect(stderr).toMatch(/INTERNAL_SECRET/);
    expect(stderr).toMatch(/LOGIN_WINDOW_S/);
  });
});
