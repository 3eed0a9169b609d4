// A fixed-window rate limit per client IP: a brake on guessing and on registration spam.
// (In production this lives in a shared store or the reverse proxy, so every instance counts together.)
import type { RequestHandler } from 'express'

const WINDOW_MS = 60_000

export function rateLimit(perMinute: number, clock: () => number = Date.now): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>()
  return (req, res, next) => {
    const now = clock()
    const key = req.ip ?? req.socket.remoteAddress ?? 'unknown'
    let window = windows.get(key)
    if (window === undefined || now - window.start >= WINDOW_MS) {
      if (windows.size > 10_000) windows.clear() // never grow without bound
      window = { start: now, count: 0 }
      windows.set(key, window)
    }
    window.count += 1
    if (window.count <= perMinute) return next()
    // RFC 6585 §4: 429 Too Many Requests, with Retry-After in seconds (RFC 9110 §10.2.3).
    res.status(429).set({ 'Retry-After': String(Math.ceil((window.start + WINDOW_MS - now) / 1000)), 'Cache-Control': 'no-store' })
    res.json({ error: 'too_many_requests', error_description: `More than ${perMinute} requests a minute; slow down` })
  }
}

/** RATE_LIMIT_PER_MINUTE raises (or lowers) the limit, e.g. for benchmarks; the default fits `npm run check 5`. */
export function rateLimitFromEnv(fallback: number): number {
  const value = Number(process.env.RATE_LIMIT_PER_MINUTE)
  return Number.isInteger(value) && value > 0 ? value : fallback
}
