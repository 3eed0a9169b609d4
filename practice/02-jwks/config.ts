// Where this server lives. The MCP endpoint's URL is its canonical identity.
export const PORT = Number(process.env.PORT ?? 9000) // serve.ts refuses anything but a port number
export const ORIGIN = `http://127.0.0.1:${PORT}`
export const MCP_URL = `${ORIGIN}/mcp`

// Labs 2–4 are their own token issuer: `npm run token` signs with the key in keys/.
export const ISSUER = ORIGIN
