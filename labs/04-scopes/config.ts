// Where this server lives. The MCP endpoint's URL is its canonical identity.
const port = Number(process.env.PORT ?? 9000)
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`)
  process.exit(2)
}

export const PORT = port
export const ORIGIN = `http://127.0.0.1:${PORT}`
export const MCP_URL = `${ORIGIN}/mcp`

// Labs 2–4 are their own token issuer: `npm run token` signs with the key in keys/.
export const ISSUER = ORIGIN
