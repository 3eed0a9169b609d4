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
