import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Where this server lives. The MCP endpoint's URL is its canonical identity.
export const PORT = Number(process.env.PORT ?? 9000) // serve.ts refuses anything but a port number
export const ORIGIN = `http://127.0.0.1:${PORT}`
export const MCP_URL = `${ORIGIN}/mcp`

// Lab 5: the authorization server in this process is the issuer, at the same URL labs 2–4 used.
export const ISSUER = ORIGIN

// Its state (clients, grants, refresh tokens) lives in SQLite, so a restart loses nothing.
export const DATABASE_FILE = join(process.env.DATA_DIR ?? fileURLToPath(new URL('../../data', import.meta.url)), `05-oauth-${PORT}.sqlite`)

// The refresh token reuse interval in seconds (oauth/grant-refresh-token.ts). The checks start an
// instance with 0 to see a retry after the interval refused, without waiting a minute.
export const REFRESH_REUSE_INTERVAL_S = seconds('REFRESH_REUSE_INTERVAL_S', 60) // defaults to 60 s

function seconds(name: string, fallback: number): number {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  if (!/^\d{1,6}$/.test(value)) throw new Error(`${name} must be a whole number of seconds, got "${value}"`)
  return Number(value)
}
