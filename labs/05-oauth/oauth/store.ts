// The authorization server's memory, in SQLite: restarting the process loses nothing.
// Codes, refresh tokens and client secrets are stored as SHA-256 hashes (secrets.ts).
// Times are seconds since the epoch; every function that compares times is given "now".
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'

export type AuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post'

export interface Client {
  client_id: string
  secret_hash: string | null
  token_endpoint_auth_method: AuthMethod
  redirect_uris: string[]
  grant_types: string[]
  response_types: string[]
  client_name: string | null
  /** 'registration' (RFC 7591) or 'metadata_document' (a URL client id, fetched) */
  source: 'registration' | 'metadata_document'
  /** when registered, or when the metadata document was last fetched */
  issued_at: number
  /** metadata documents: until when the fetched copy may be used without fetching it again (RFC 9111); else null */
  cached_until: number | null
}

/** A pending /authorize request, waiting for the user to sign in and decide. */
export interface AuthorizationRequest {
  id: string
  client_id: string
  redirect_uri: string
  scope: string
  state: string | null
  code_challenge: string
  resource: string
  csrf_hash: string
  sub: string | null
  failed_logins: number
  expires_at: number
}

/** What the user approved: one client, one user, some scopes, one resource. Every token belongs to one. */
export interface Grant {
  id: string
  client_id: string
  sub: string
  scope: string
  resource: string
  created_at: number
  revoked_at: number | null
}

export interface Code {
  hash: string
  grant_id: string
  redirect_uri: string
  code_challenge: string
  expires_at: number
  used_at: number | null
}

export interface RefreshToken {
  hash: string
  grant_id: string
  client_id: string
  scope: string
  expires_at: number
  /** when it was rotated, or replaced by a retry's answer (grant-refresh-token.ts) */
  used_at: number | null
  /** the hash of the refresh token its rotation issued; null while unused, and for a replaced one */
  successor: string | null
  /** the access token issued together with it (null in a data file older than this column) */
  access_jti: string | null
}

export interface AccessToken {
  jti: string
  grant_id: string
  client_id: string
  sub: string
  scope: string
  issued_at: number
  expires_at: number
  revoked_at: number | null
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clients (
  client_id TEXT PRIMARY KEY,
  secret_hash TEXT,
  token_endpoint_auth_method TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  response_types TEXT NOT NULL,
  client_name TEXT,
  source TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  cached_until INTEGER,
  last_used_at INTEGER
);
CREATE TABLE IF NOT EXISTS authorization_requests (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  state TEXT,
  code_challenge TEXT NOT NULL,
  resource TEXT NOT NULL,
  csrf_hash TEXT NOT NULL,
  sub TEXT,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  sub TEXT NOT NULL,
  scope TEXT NOT NULL,
  resource TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revoked_reason TEXT
);
CREATE TABLE IF NOT EXISTS codes (
  hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES grants(id),
  redirect_uri TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES grants(id),
  client_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  successor TEXT,
  access_jti TEXT
);
CREATE TABLE IF NOT EXISTS access_tokens (
  jti TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL REFERENCES grants(id),
  client_id TEXT NOT NULL,
  sub TEXT NOT NULL,
  scope TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_by_grant ON refresh_tokens(grant_id);
CREATE INDEX IF NOT EXISTS access_tokens_by_grant ON access_tokens(grant_id);
CREATE INDEX IF NOT EXISTS grants_by_client ON grants(client_id);
`

/** Columns added since the first version of this lab: a data file written by it gets them on opening. */
const ADDED_COLUMNS = [
  ['clients', 'cached_until INTEGER'],
  ['clients', 'last_used_at INTEGER'],
  ['refresh_tokens', 'successor TEXT'],
  ['refresh_tokens', 'access_jti TEXT'],
]

/** What one token response records: the access token's jti, and the refresh token if there is one. */
export interface IssuedTokens {
  access: AccessToken
  refresh?: RefreshToken
}

type ClientRow = Omit<Client, 'redirect_uris' | 'grant_types' | 'response_types'> & {
  redirect_uris: string
  grant_types: string
  response_types: string
}

export type Store = ReturnType<typeof openStore>

export function openStore(file: string) {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  db.exec('PRAGMA journal_mode = WAL') // readers never wait for the writer
  db.exec('PRAGMA foreign_keys = ON')
  db.exec('PRAGMA busy_timeout = 2000')
  db.exec(SCHEMA)
  // Each statement is prepared once and kept while the store lives (pragmas go through exec, which keeps none):
  // on Node 24, better-sqlite3 12 can abort the whole process when the garbage collector finalises a dropped one.
  const statements = new Map<string, Database.Statement>()
  const prepared = (sql: string) => statements.get(sql) ?? statements.set(sql, db.prepare(sql)).get(sql)!
  const one = <T>(sql: string, ...params: unknown[]) => prepared(sql).get(...params) as T | undefined
  const run = (sql: string, ...params: unknown[]) => prepared(sql).run(...params)
  for (const [table, column] of ADDED_COLUMNS) {
    const columns = prepared(`PRAGMA table_info(${table})`).all() as { name: string }[]
    if (!columns.some((c) => c.name === column.split(' ')[0])) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`)
  }
  const saveTokens = ({ access, refresh }: IssuedTokens) => {
    run(
      `INSERT INTO access_tokens (jti, grant_id, client_id, sub, scope, issued_at, expires_at, revoked_at)
       VALUES (@jti, @grant_id, @client_id, @sub, @scope, @issued_at, @expires_at, @revoked_at)`,
      access,
    )
    if (refresh)
      run(
        `INSERT INTO refresh_tokens (hash, grant_id, client_id, scope, expires_at, used_at, successor, access_jti)
         VALUES (@hash, @grant_id, @client_id, @scope, @expires_at, @used_at, @successor, @access_jti)`,
        refresh,
      )
  }

  return {
    // ---- clients (RFC 7591 registrations and fetched client ID metadata documents)
    saveClient(client: Client): void {
      run(
        `INSERT INTO clients (client_id, secret_hash, token_endpoint_auth_method, redirect_uris, grant_types, response_types, client_name,
           source, issued_at, cached_until)
         VALUES (@client_id, @secret_hash, @token_endpoint_auth_method, @redirect_uris, @grant_types, @response_types, @client_name,
           @source, @issued_at, @cached_until)
         ON CONFLICT(client_id) DO UPDATE SET redirect_uris = excluded.redirect_uris, grant_types = excluded.grant_types,
           response_types = excluded.response_types, client_name = excluded.client_name, issued_at = excluded.issued_at,
           cached_until = excluded.cached_until`,
        {
          ...client,
          redirect_uris: JSON.stringify(client.redirect_uris),
          grant_types: JSON.stringify(client.grant_types),
          response_types: JSON.stringify(client.response_types),
        },
      )
    },
    findClient(clientId: string): Client | undefined {
      const row = one<ClientRow>(
        `SELECT client_id, secret_hash, token_endpoint_auth_method, redirect_uris, grant_types, response_types, client_name, source,
           issued_at, cached_until FROM clients WHERE client_id = ?`,
        clientId,
      )
      if (row === undefined) return undefined
      return {
        ...row,
        redirect_uris: JSON.parse(row.redirect_uris),
        grant_types: JSON.parse(row.grant_types),
        response_types: JSON.parse(row.response_types),
      }
    },
    /** The client authenticated at the back channel: it is in use, so pruning leaves it alone. */
    touchClient(clientId: string, now: number): void {
      run('UPDATE clients SET last_used_at = ? WHERE client_id = ?', now, clientId)
    },

    // ---- pending authorization requests
    saveAuthorizationRequest(request: AuthorizationRequest): void {
      run(
        `INSERT INTO authorization_requests VALUES (@id, @client_id, @redirect_uri, @scope, @state, @code_challenge, @resource,
           @csrf_hash, @sub, @failed_logins, @expires_at)`,
        request,
      )
    },
    findAuthorizationRequest(id: string, now: number): AuthorizationRequest | undefined {
      return one('SELECT * FROM authorization_requests WHERE id = ? AND expires_at > ?', id, now)
    },
    setRequestUser(id: string, sub: string): void {
      run('UPDATE authorization_requests SET sub = ? WHERE id = ?', sub, id)
    },
    /** counts one more failed sign-in and returns the total */
    countFailedLogin(id: string): number {
      run('UPDATE authorization_requests SET failed_logins = failed_logins + 1 WHERE id = ?', id)
      return one<{ n: number }>('SELECT failed_logins AS n FROM authorization_requests WHERE id = ?', id)?.n ?? 0
    },
    deleteAuthorizationRequest(id: string): void {
      run('DELETE FROM authorization_requests WHERE id = ?', id)
    },

    // ---- grants, and the codes that start them
    /** The user approved: the grant and its code, written together or not at all. */
    saveGrantWithCode: db.transaction((grant: Grant, code: Code) => {
      run(
        `INSERT INTO grants (id, client_id, sub, scope, resource, created_at)
         VALUES (@id, @client_id, @sub, @scope, @resource, @created_at)`,
        grant,
      )
      run('INSERT INTO codes VALUES (@hash, @grant_id, @redirect_uri, @code_challenge, @expires_at, @used_at)', code)
    }),
    findGrant(id: string): Grant | undefined {
      return one('SELECT id, client_id, sub, scope, resource, created_at, revoked_at FROM grants WHERE id = ?', id)
    },
    /** Ends a grant: its refresh tokens stop working and its access tokens become inactive. */
    revokeGrant(id: string, now: number, reason: string): void {
      run('UPDATE grants SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL', now, reason, id)
    },
    findCode(hash: string): Code | undefined {
      return one('SELECT * FROM codes WHERE hash = ?', hash)
    },
    /**
     * The code becomes tokens: marked used and the tokens recorded, together or not at all.
     * False if it was already used (two redemptions racing: only one wins).
     */
    redeemCode: db.transaction((hash: string, now: number, tokens: IssuedTokens): boolean => {
      if (run('UPDATE codes SET used_at = ? WHERE hash = ? AND used_at IS NULL', now, hash).changes !== 1) return false
      saveTokens(tokens)
      return true
    }),

    // ---- refresh tokens: one family per grant
    findRefreshToken(hash: string): RefreshToken | undefined {
      return one(
        'SELECT hash, grant_id, client_id, scope, expires_at, used_at, successor, access_jti FROM refresh_tokens WHERE hash = ?',
        hash,
      )
    },
    /** Runs `work` as one transaction: every write in it is kept, or none (a crash half-way leaves nothing). */
    transaction<T>(work: () => T): T {
      return db.transaction(work)()
    },
    /** Rotation: the token is used, and `tokens` (its successor) recorded on it. Only inside transaction(). */
    rotateRefreshToken(hash: string, now: number, tokens: IssuedTokens): void {
      run('UPDATE refresh_tokens SET used_at = ?, successor = ? WHERE hash = ?', now, tokens.refresh!.hash, hash)
      saveTokens(tokens)
    },
    /**
     * A retry of a rotation: the successor issued before dies with its access token, and `tokens`
     * take its place. The token keeps its first used_at. Only inside transaction().
     */
    replaceSuccessor(hash: string, successor: RefreshToken, now: number, tokens: IssuedTokens): void {
      run('UPDATE refresh_tokens SET used_at = ? WHERE hash = ?', now, successor.hash)
      run('UPDATE access_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL', now, successor.access_jti)
      run('UPDATE refresh_tokens SET successor = ? WHERE hash = ?', tokens.refresh!.hash, hash)
      saveTokens(tokens)
    },

    // ---- access tokens: the JWTs themselves are not stored, only their jti
    findAccessToken(jti: string): AccessToken | undefined {
      return one('SELECT * FROM access_tokens WHERE jti = ?', jti)
    },
    revokeAccessToken(jti: string, now: number): void {
      run('UPDATE access_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL', now, jti)
    },
    /** Known, unexpired, not revoked, and its grant not revoked either. */
    isAccessTokenActive(jti: string, now: number): boolean {
      const row = one<{ ok: number }>(
        `SELECT 1 AS ok FROM access_tokens a JOIN grants g ON g.id = a.grant_id
         WHERE a.jti = ? AND a.expires_at > ? AND a.revoked_at IS NULL AND g.revoked_at IS NULL`,
        jti,
        now,
      )
      return row !== undefined
    },

    /**
     * Housekeeping: forget what can no longer be used or matter (the periods: context.ts, RETENTION).
     * Returns how many rows of each kind went. The order matters: a grant goes once nothing refers to it.
     */
    prune: db.transaction((now: number, retention: { unusedClient: number; idleClient: number }): Record<string, number> => {
      const deleted = (sql: string, ...params: unknown[]) => run(sql, ...params).changes
      return {
        // pending sign-ins and codes after their lifetime: used codes are kept until then, to catch replays
        authorization_requests: deleted('DELETE FROM authorization_requests WHERE expires_at <= ?', now),
        codes: deleted('DELETE FROM codes WHERE expires_at <= ?', now),
        // a token, used or revoked, until it would have expired: until then its return is a replay to catch,
        // and its revocation must hold; after that it would be refused anyway
        access_tokens: deleted('DELETE FROM access_tokens WHERE expires_at <= ?', now),
        refresh_tokens: deleted('DELETE FROM refresh_tokens WHERE expires_at <= ?', now),
        // a grant, revoked or not, once no code or token of it is left
        grants: deleted(
          `DELETE FROM grants WHERE NOT EXISTS (SELECT 1 FROM codes WHERE grant_id = grants.id)
             AND NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE grant_id = grants.id)
             AND NOT EXISTS (SELECT 1 FROM access_tokens WHERE grant_id = grants.id)`,
        ),
        // a client with no grant and no sign-in in progress that was never used, or not for a long time
        clients: deleted(
          `DELETE FROM clients WHERE NOT EXISTS (SELECT 1 FROM grants WHERE client_id = clients.client_id)
             AND NOT EXISTS (SELECT 1 FROM authorization_requests WHERE client_id = clients.client_id)
             AND (CASE WHEN last_used_at IS NULL THEN issued_at + ? ELSE last_used_at + ? END) <= ?`,
          retention.unusedClient,
          retention.idleClient,
          now,
        ),
      }
    }),

    close(): void {
      db.close()
    },
  }
}
