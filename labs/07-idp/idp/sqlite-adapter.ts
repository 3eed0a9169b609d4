// oidc-provider's storage interface, on SQLite (the same library lab 5 uses), so sessions,
// registered clients, grants, codes and refresh tokens survive a restart. The provider calls one
// adapter per model ("Session", "Client", "RefreshToken"…); every model lands in one table.
// The interface: https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string }

// Models whose entries die with their grant (revokeByGrantId): what a revoked grant must take down.
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'])

const now = () => Math.floor(Date.now() / 1000)

/** An adapter class for `new Provider(issuer, { adapter })`, storing everything in `file`. */
export function sqliteAdapter(file: string) {
  mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  db.exec('PRAGMA journal_mode = WAL') // readers do not wait for the writer; exec, as every statement here is kept (see lab 5's store.ts)
  process.once('exit', () => db.close()) // a clean close folds the write-ahead log back into the file
  db.exec(`
    CREATE TABLE IF NOT EXISTS oidc (
      model      TEXT NOT NULL,
      id         TEXT NOT NULL,
      payload    TEXT NOT NULL,
      grant_id   TEXT,
      user_code  TEXT,
      uid        TEXT,
      expires_at INTEGER,
      PRIMARY KEY (model, id)
    );
    CREATE INDEX IF NOT EXISTS oidc_grant ON oidc (grant_id);
    CREATE INDEX IF NOT EXISTS oidc_uid ON oidc (model, uid);
    CREATE INDEX IF NOT EXISTS oidc_user_code ON oidc (model, user_code);`)
  const sweep = db.prepare('DELETE FROM oidc WHERE expires_at IS NOT NULL AND expires_at <= ?')
  sweep.run(now())
  const alive = 'AND (expires_at IS NULL OR expires_at > ?)'
  const sql = {
    upsert: db.prepare(
      `INSERT OR REPLACE INTO oidc (model, id, payload, grant_id, user_code, uid, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    find: db.prepare(`SELECT payload FROM oidc WHERE model = ? AND id = ? ${alive}`),
    findByUid: db.prepare(`SELECT payload FROM oidc WHERE model = ? AND uid = ? ${alive}`),
    findByUserCode: db.prepare(`SELECT payload FROM oidc WHERE model = ? AND user_code = ? ${alive}`),
    consume: db.prepare(`UPDATE oidc SET payload = json_set(payload, '$.consumed', ?) WHERE model = ? AND id = ?`),
    destroy: db.prepare('DELETE FROM oidc WHERE model = ? AND id = ?'),
    revokeByGrantId: db.prepare('DELETE FROM oidc WHERE grant_id = ?'),
  }
  const parse = (row: unknown) => (row === undefined ? undefined : (JSON.parse((row as { payload: string }).payload) as Payload))
  let writes = 0

  return class SqliteAdapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const expiresAt = typeof expiresIn === 'number' ? now() + expiresIn : null
      const grantId = GRANTABLE.has(this.model) ? (payload.grantId ?? null) : null
      sql.upsert.run(this.model, id, JSON.stringify(payload), grantId, payload.userCode ?? null, payload.uid ?? null, expiresAt)
      if (++writes % 500 === 0) sweep.run(now()) // expired rows are never read; drop them now and then
    }

    async find(id: string): Promise<Payload | undefined> {
      return parse(sql.find.get(this.model, id, now()))
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return parse(sql.findByUid.get(this.model, uid, now()))
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return parse(sql.findByUserCode.get(this.model, userCode, now()))
    }

    /** A code or refresh token was used: the provider refuses (and revokes the grant) if it comes back. */
    async consume(id: string): Promise<void> {
      sql.consume.run(now(), this.model, id)
    }

    async destroy(id: string): Promise<void> {
      sql.destroy.run(this.model, id)
    }

    /** Revocation (RFC 7009) and refresh-token reuse end a grant: every token issued from it goes. */
    async revokeByGrantId(grantId: string): Promise<void> {
      sql.revokeByGrantId.run(grantId)
    }
  }
}
