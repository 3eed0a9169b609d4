// Part 2: lab 4's bearer middleware against jose's jwtVerify alone, in this process: the same
// token, the same key set, the same options. What is left between the two is the lab's own code
// (the header parsing, the URL check, the claims schema, the error mapping).
import type { Request, Response } from 'express'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { requireBearer } from '../../../labs/04-scopes/bearer.ts'
import { loadPublicKeys } from '../../../labs/04-scopes/keys.ts'
import { issuerFor, mintAccessToken, resourceFor } from '@workshop/kit/tokens'
import { median } from './load.ts'

export interface VerifySettings {
  /** verifications per turn */
  count: number
  rounds: number
}

export interface VerifyResult {
  middlewareOpsPerSec: number
  joseOpsPerSec: number
  /** median over rounds of (jose ops/s ÷ middleware ops/s): how many times the library's own cost the lab pays */
  ratio: number
  rounds: { middleware: number; jose: number }[]
}

export async function measureVerification(settings: VerifySettings, progress: (line: string) => void): Promise<VerifyResult> {
  const port = 9000 // any port: it only makes the issuer and audience
  const token = await mintAccessToken({ port, scope: 'notes:read' }) // creates keys/ on a fresh clone
  const keys = await loadPublicKeys() // the lab's own key set (keys/private.pem's public half)
  const options = { issuer: issuerFor(port), audience: resourceFor(port) }

  // The middleware as lab 4's server.ts builds it, called with a request and response that do nothing.
  const bearer = requireBearer({ ...options, keys, challenge: { realm: 'mcp' } })
  const req = { originalUrl: '/mcp', headers: { authorization: `Bearer ${token}` } } as unknown as Request
  const res = {
    locals: {},
    status: () => res,
    set: () => res,
    json: (body: unknown) => {
      throw new Error(`the middleware refused the token: ${JSON.stringify(body)}`)
    },
  } as unknown as Response
  const viaMiddleware = async () => {
    let passed = false
    await bearer(req, res, () => void (passed = true))
    if (!passed) throw new Error('the middleware did not call next()')
  }

  // jose alone, with bearer.ts's options.
  const getKey = createLocalJWKSet(keys)
  const viaJose = async () => {
    await jwtVerify(token, getKey, { ...options, algorithms: ['RS256'], typ: 'at+jwt', requiredClaims: ['exp', 'iat'] })
  }

  // The two take turns one verification at a time (A B, B A, …), each timed on its own, so that
  // whatever the machine does meanwhile falls on both alike.
  const time = async (verify: () => Promise<void>) => {
    const t0 = performance.now()
    await verify()
    return performance.now() - t0
  }
  const round = async () => {
    let middlewareMs = 0
    let joseMs = 0
    for (let i = 0; i < settings.count; i++) {
      if (i % 2 === 0) {
        middlewareMs += await time(viaMiddleware)
        joseMs += await time(viaJose)
      } else {
        joseMs += await time(viaJose)
        middlewareMs += await time(viaMiddleware)
      }
    }
    return { middleware: (settings.count * 1000) / middlewareMs, jose: (settings.count * 1000) / joseMs }
  }
  await round() // warm-up: the JIT, jose's cache of the imported key
  const rounds: { middleware: number; jose: number }[] = []
  for (let r = 0; r < settings.rounds; r++) {
    progress(`round ${r + 1} of ${settings.rounds}: ${settings.count} verifications each way`)
    rounds.push(await round())
  }
  return {
    middlewareOpsPerSec: median(rounds.map((r) => r.middleware)),
    joseOpsPerSec: median(rounds.map((r) => r.jose)),
    ratio: median(rounds.map((r) => r.jose / r.middleware)),
    rounds,
  }
}
