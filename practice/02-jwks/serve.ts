// Listening, the same in every lab: on loopback only, saying `ready:` only once the port is really
// ours, with limits for slow or greedy clients, and stopping cleanly on Ctrl-C, SIGTERM or SIGHUP.
import { createServer, type RequestListener, type Server } from 'node:http'

// A client that sends its headers a byte at a time ("Slowloris") holds a connection open for as long
// as the server waits. Node waits 60 s for headers and 300 s for a whole request by default; a local
// MCP server's clients send small requests at once, so a few seconds is generous.
const TIMEOUTS = {
  headersTimeout: 5_000, // the request line and every header (defaults to 60 s)
  requestTimeout: 15_000, // the whole request, body included (defaults to 300 s)
  keepAliveTimeout: 5_000, // an idle kept-alive connection (defaults to 5 s)
  connectionsCheckingInterval: 1_000, // how often the timeouts above are enforced (defaults to 30 s)
}
// Each open connection costs memory and a file descriptor. A local server has a handful of clients;
// beyond this many at once, new connections are closed at once (defaults to no limit).
const MAX_CONNECTIONS = 100

export interface ServeOptions {
  port: number
  /** printed as `ready: URL` once listening: the line the workshop's tools wait for */
  url: string
  /** run before the process exits (lab 5: close the database) */
  onClose?: () => void
}

export function serve(app: RequestListener, { port, url, onClose }: ServeOptions): Server {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`PORT must be a port number (1–65535), got "${process.env.PORT}"`)
    process.exit(2)
  }
  const server = createServer(TIMEOUTS, app)
  server.maxConnections = MAX_CONNECTIONS
  server.once('error', (error: NodeJS.ErrnoException) => {
    const inUse = error.code === 'EADDRINUSE'
    console.error(inUse ? `port ${port} is in use: stop the other server, or run with PORT=${port + 1}` : `cannot listen: ${error.message}`)
    process.exit(1)
  })
  // MCP transports: a local server binds to 127.0.0.1, so nothing on the network can reach it.
  server.listen(port, '127.0.0.1', () => console.log(`ready: ${url}`))

  const stop = () => {
    server.close(() => {
      onClose?.()
      process.exit(0)
    })
    server.closeAllConnections()
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop)
  return server
}
