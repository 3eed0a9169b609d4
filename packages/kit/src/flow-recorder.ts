// Preloaded into every process the workshop starts (lab-process.ts), never part of a lesson: when the
// runner turns recording on (FLOW_INGEST, the flow page's loopback ingest URL), it records each HTTP
// exchange this process serves (node:http servers) or sends (fetch, node:http requests), masks its
// secrets here, in this process (flow-mask.ts), and posts it to the page. Off, it does nothing at all.
import http from 'node:http'
import { type AddressInfo } from 'node:net'
import { FROM_HEADER, type FlowExchange, JwtCollector, maskBody, maskHeaders, maskUrl } from './flow-mask.ts'

const INGEST = process.env.FLOW_INGEST
const ROLE = process.env.FLOW_ROLE ?? 'process'
/** A body is kept up to this many bytes: enough for any OAuth exchange, not a flood. */
const BODY_LIMIT = 64 * 1024

if (INGEST) install(new URL(INGEST))

function install(ingest: URL): void {
  const originalRequest = http.request
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  let queue: FlowExchange[] = []
  let posting = false

  /** One POST at a time, carrying everything recorded meanwhile; the page being gone loses nothing else. */
  const flush = () => {
    if (posting || queue.length === 0) return
    posting = true
    const batch = queue
    queue = []
    const done = () => {
      posting = false
      flush()
    }
    const req = originalRequest(ingest, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      res.on('end', done)
      res.on('error', done)
    })
    req.on('error', done)
    req.end(JSON.stringify(batch))
  }
  /** Masks and queues one exchange; a record that cannot be made is dropped, never thrown at the lab. */
  const hand = (raw: Raw) => {
    try {
      queue.push(masked(raw))
      flush()
    } catch {
      // recording must never break what it records (a malformed header from lab 8's battery, say)
    }
  }

  // ── served: every node:http server's requests (express, oidc-provider, a client's callback) ──
  const originalEmit = http.Server.prototype.emit
  http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === 'request') {
      try {
        watchServed(args[0] as http.IncomingMessage, args[1] as http.ServerResponse)
      } catch {
        // recording must never break what it records
      }
    }
    return originalEmit.apply(this, [event, ...args] as Parameters<typeof originalEmit>)
  } as typeof originalEmit

  function watchServed(req: http.IncomingMessage, res: http.ServerResponse): void {
    const start = Date.now()
    const requestBody = new Capture()
    const responseBody = new Capture()
    const reqEmit = req.emit
    req.emit = function (this: http.IncomingMessage, event: string, ...args: unknown[]) {
      if (event === 'data') requestBody.add(args[0])
      return reqEmit.apply(this, [event, ...args] as Parameters<typeof reqEmit>)
    } as typeof reqEmit
    const write = res.write
    const end = res.end
    res.write = function (this: http.ServerResponse, chunk: unknown, ...rest: unknown[]) {
      responseBody.add(chunk, rest[0])
      return write.apply(this, [chunk, ...rest] as Parameters<typeof write>)
    } as typeof write
    res.end = function (this: http.ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (chunk !== undefined && typeof chunk !== 'function') responseBody.add(chunk, rest[0])
      return end.apply(this, [chunk, ...rest] as Parameters<typeof end>)
    } as typeof end
    let recorded = false
    const record = (error?: string) => {
      if (recorded) return
      recorded = true
      const port = (req.socket?.localPort ?? (req.socket?.address() as AddressInfo | undefined)?.port) || 0
      const from = req.headers[FROM_HEADER]
      hand({
        side: 'served',
        from: typeof from === 'string' ? from : undefined,
        start,
        method: req.method ?? 'GET',
        url: `http://127.0.0.1:${port}${req.url ?? '/'}`,
        requestHeaders: req.headers,
        requestBody: requestBody.text(),
        status: res.statusCode,
        responseHeaders: res.getHeaders() as Record<string, string | string[] | number>,
        responseBody: responseBody.text(),
        error,
      })
    }
    res.once('finish', () => record())
    res.once('close', () => record(res.writableFinished ? undefined : 'the connection closed before the answer was complete'))
  }

  // ── sent: fetch (jose's JWKS, introspection, the SDK client) ──
  const originalFetch = globalThis.fetch
  globalThis.fetch = async function (input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const start = Date.now()
    const asRequest = input instanceof Request ? input : undefined
    const url = asRequest ? asRequest.url : String(input)
    const method = (init?.method ?? asRequest?.method ?? 'GET').toUpperCase()
    const headers = new Headers(init?.headers ?? asRequest?.headers)
    if (!/^https?:/.test(url)) return originalFetch(input, init)
    headers.set(FROM_HEADER, ROLE)
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : undefined
    const bodyText = body ?? (asRequest && asRequest.body ? await asRequest.clone().text() : undefined)
    const requestHeaders = Object.fromEntries(headers)
    const sent = (answer: { status: number; responseHeaders: Record<string, string>; responseBody?: string; error?: string }) =>
      hand({ side: 'sent', start, method, url, requestHeaders, requestBody: bodyText, ...answer })
    let response: Response
    try {
      response = await originalFetch(input, { ...init, headers })
    } catch (error) {
      sent({ status: 0, responseHeaders: {}, error: String(error) })
      throw error
    }
    const copy = response.clone()
    void readLimited(copy).then((text) =>
      sent({ status: response.status, responseHeaders: Object.fromEntries(response.headers), responseBody: text }),
    )
    return response
  } as typeof fetch
}

interface Raw {
  side: 'served' | 'sent'
  from?: string
  start: number
  method: string
  url: string
  requestHeaders: Record<string, string | string[] | number | undefined>
  requestBody?: string
  status: number
  responseHeaders: Record<string, string | string[] | number | undefined>
  responseBody?: string
  error?: string
}

/** The exchange as it may leave this process: every secret masked (flow-mask.ts). */
function masked(raw: Raw): FlowExchange {
  const jwts = new JwtCollector()
  const type = (headers: Raw['requestHeaders']) => {
    const value = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1]
    return value === undefined ? undefined : String(value)
  }
  return {
    side: raw.side,
    role: ROLE,
    from: raw.from,
    start: raw.start,
    end: Date.now(),
    method: raw.method,
    url: maskUrl(raw.url, jwts, 'request URL'),
    request: {
      headers: maskHeaders(raw.requestHeaders, jwts, 'request header'),
      body: raw.requestBody ? maskBody(raw.requestBody, type(raw.requestHeaders), jwts, 'request body') : undefined,
    },
    response: {
      status: raw.status,
      headers: maskHeaders(raw.responseHeaders, jwts, 'response header'),
      body: raw.responseBody ? maskBody(raw.responseBody, type(raw.responseHeaders), jwts, 'response body') : undefined,
    },
    jwts: jwts.jwts,
    error: raw.error,
  }
}

/** The chunks of a body, up to BODY_LIMIT bytes. */
class Capture {
  private chunks: Buffer[] = []
  private size = 0
  private cut = false

  add(chunk: unknown, encoding?: unknown): void {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk)
        : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    if (this.size >= BODY_LIMIT) return void (this.cut = true)
    this.chunks.push(buffer)
    this.size += buffer.length
  }

  text(): string | undefined {
    if (this.size === 0) return undefined
    const text = Buffer.concat(this.chunks).subarray(0, BODY_LIMIT).toString('utf8')
    return this.cut || this.size > BODY_LIMIT ? `${text}\n… (cut at ${BODY_LIMIT} bytes)` : text
  }
}

/** A response's body up to BODY_LIMIT bytes (an event stream that never ends is recorded as far as it went). */
async function readLimited(response: Response): Promise<string | undefined> {
  if (!response.body) return undefined
  const capture = new Capture()
  const reader = response.body.getReader()
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      capture.add(value)
      size += value.length
      if (size > BODY_LIMIT) {
        void reader.cancel()
        break
      }
    }
  } catch {
    // the reader of the original stream went away: what came so far is the record
  }
  return capture.text()
}
