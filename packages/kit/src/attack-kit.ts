// What the attack battery (labs/08-attacks) and the robustness tests share: requests that may
// carry any bytes and never throw, a seeded random generator, and a scan of logs for secrets.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { type Socket, connect } from 'node:net'

export interface RawReply {
  /** the HTTP status, or 0 when no answer came (connection refused or reset, timeout) */
  status: number
  headers: IncomingHttpHeaders
  text: string
  /** why there was no answer */
  error?: string
}

export interface RawRequest {
  method?: string
  /** an array value sends the header once per element (repeated headers) */
  headers?: Record<string, string | string[]>
  body?: Buffer | string
  timeoutMs?: number
}

/** One request with node:http: bodies are bytes (invalid UTF-8 allowed), no redirects, never rejects. */
export function rawRequest(url: string, options: RawRequest = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    let outgoing: ReturnType<typeof httpRequest>
    try {
      // A connection of its own (no keep-alive): a server that drops a connection after a bad request
      // must not make the next, unrelated request fail.
      outgoing = httpRequest(
        url,
        { method: options.method ?? 'GET', headers: options.headers, timeout: options.timeoutMs ?? 15_000, agent: false },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', (error) =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
              error: error.message,
            }),
          )
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
        },
      )
    } catch (error) {
      // node:http refuses to send some headers (control characters): nothing reached the server
      return resolve({ status: -1, headers: {}, text: '', error: (error as Error).message })
    }
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')))
    outgoing.on('error', (error) => resolve({ status: 0, headers: {}, text: '', error: error.message }))
    outgoing.end(options.body)
  })
}

/** Bytes straight onto a TCP connection (for what node:http will not send); the status of the answer, 0 if none. */
export function rawSocket(port: number, bytes: Buffer | string, timeoutMs = 10_000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const done = (error?: string) => {
      socket.destroy()
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1] ?? 0)
      resolve({ status, headers: {}, text: received, ...(status === 0 ? { error: error ?? 'no answer' } : {}) })
    }
    socket.setTimeout(timeoutMs, () => done('timeout'))
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1')
      if (/\r\n\r\n/.test(received)) done()
    })
    socket.on('error', (error) => done(error.message))
    socket.on('end', () => done())
    socket.write(bytes)
  })
}

/** mulberry32: a small seeded generator, so a fuzz run can be repeated exactly. */
export class Random {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(below: number): number {
    return Math.floor(this.next() * below)
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)))
  }
}

/** A JWT (three base64url parts, the first two JSON objects): what must never appear in a log line. */
export const JWT_IN_TEXT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/

/** The log lines that contain a JWT or any of `secrets` (refresh tokens, client secrets, codes…). */
export function leakedLines(output: string, secrets: Iterable<string>): string[] {
  const values = [...secrets].filter((s) => s.length >= 8)
  return output.split(/\r?\n/).filter((line) => JWT_IN_TEXT.test(line) || values.some((secret) => line.includes(secret)))
}

/**
 * Sends a request's header lines one byte every `everyMs`, never finishing them, and waits until the
 * server hangs up or `giveUpMs` pass. Resolves with how long the server kept the connection and what it said.
 */
export function trickleHeaders(port: number, everyMs = 500, giveUpMs = 20_000): Promise<{ closedAfterMs?: number; answer: string }> {
  return new Promise((resolve) => {
    const started = performance.now()
    const socket = connect(port, '127.0.0.1')
    const bytes = Buffer.from(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: ${'a'.repeat(200)}`)
    let sent = 0
    let answer = ''
    const drip = setInterval(() => {
      if (sent < bytes.length && !socket.destroyed) socket.write(bytes.subarray(sent, ++sent))
    }, everyMs)
    const done = (closedAfterMs?: number) => {
      clearInterval(drip)
      clearTimeout(giveUp)
      socket.destroy()
      resolve({ closedAfterMs, answer })
    }
    const giveUp = setTimeout(() => done(undefined), giveUpMs)
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')))
    socket.on('close', () => done(performance.now() - started))
    socket.on('error', () => {}) // a reset is a close
  })
}

/** Opens `count` connections at once and keeps them open; says how many the server closed straight away. */
export async function openConnections(port: number, count: number): Promise<{ closedAtOnce: number; close(): void }> {
  const closed = new Set<Socket>()
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket))
          socket.on('close', () => closed.add(socket))
          socket.on('error', () => resolve(socket)) // a reset is a close
          socket.resume() // read (and drop) whatever comes, so an end is seen
        }),
    ),
  )
  await new Promise((resolve) => setTimeout(resolve, 1_000)) // time for the server to close what is over its limit
  return { closedAtOnce: closed.size, close: () => sockets.forEach((s) => s.destroy()) }
}

export { envelope2026, headers2026 } from './http.ts'
