import type { SqlExecutor } from '@pixelflow/drivers';
import { isUserId, type UserModel } from '../users.ts';

export interface StoredUser extends UserModel {
  passwordHash: string;
}

interface UserRow extends Record<string, unknown> {
  id: string;
  email: string;
  password_hash: string;
}

const toUser = (row: UserRow): StoredUser => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
});

/** The users table. `email` arguments are normalised by the caller. */
export class UserStore {
  readonly #sql: SqlExecutor;

  constructor(sql: SqlExecutor) {
    this.#sql = sql;
  }

  /** Inserts the user, or answers null when the email is taken (the unique index decides, race-free). */
  async create(user: StoredUser, createdAt: Date): Promise<StoredUser | null> {
    const rows = await this.#sql.query<UserRow>(
      `INSERT INTO auth.users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email) DO NOTHING
       RETURNING id, email, password_hash`,
      [user.id, user.email, user.passwordHash, createdAt.toISOString()],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async byEmail(email: string): Promise<StoredUser | null> {
    const rows = await this.#sql.query<UserRow>(
      'SELECT id, email, password_hash FROM auth.users WHERE email = $1',
      [email],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async byId(id: string): Promise<UserModel | null> {
    if (!isUserId(id)) return null;
    const rows = await this.#sql.query<UserRow>('SELECT id, email FROM auth.users WHERE id = $1', [id]);
    return rows[0] ? { id: rows[0].id, email: rows[0].email } : null;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.#sql.query('UPDATE auth.users SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
  }
}
