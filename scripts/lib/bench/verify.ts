// Part 2: lab 4's bearer middleware against SDK 2's (requireBearerAuth, with a jose verifier) and against
// jose's jwtVerify alone, in this process: the same token, the same key set, the same options. What is
// left between a middleware and jose is its own code (the header parsing, the URL check, the claims, the errors).
import type { Request, Response } from 'express'
import { type OAuthTokenVerifier, requireBearerAuth } from '@modelcontextprotocol/server'
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
  sdkOpsPerSec: number
  joseOpsPerSec: number
  /** median over rounds of (jose ops/s ÷ middleware ops/s): how many times the library's own cost the lab pays */
  ratio: number
  /** the same for SDK 2's requireBearerAuth */
  sdkRatio: number
  rounds: { middleware: number; sdk: number; jose: number }[]
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
  const joseOptions = { ...options, algorithms: ['RS256'], typ: 'at+jwt', requiredClaims: ['exp', 'iat'] }
  const viaJose = async () => {
    await jwtVerify(token, getKey, joseOptions)
  }

  // SDK 2's bearer gate: it parses the header and checks expiry, resource and scopes; the verifier it
  // calls is jose with the same options (the SDK verifies no signature itself).
  const verifier: OAuthTokenVerifier = {
    async verifyAccessToken(accessToken) {
      const { payload } = await jwtVerify(accessToken, getKey, joseOptions)
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []
      return {
        token: accessToken,
        clientId: String(payload.client_id),
        scopes,
        expiresAt: payload.exp,
        resource: new URL(options.audience),
      }
    },
  }
  const sdkGate = requireBearerAuth({ verifier, expectedResource: new URL(options.audience) })
  const request = new globalThis.Request(options.audience, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  const viaSdk = async () => {
    const auth = await sdkGate(request)
    if (auth instanceof globalThis.Response) throw new Error(`SDK 2's gate refused the token: ${auth.status}`)
  }

  // The three take turns one verification at a time (A B C, C B A, …), each timed on its own, so that
  // whatever the machine does meanwhile falls on all alike.
  const time = async (verify: () => Promise<void>) => {
    const t0 = performance.now()
    await verify()
    return performance.now() - t0
  }
  const round = async () => {
    let middlewareMs = 0
    let sdkMs = 0
    let joseMs = 0
    for (let i = 0; i < settings.count; i++) {
      if (i % 2 === 0) {
        middlewareMs += await time(viaMiddleware)
        sdkMs += await time(viaSdk)
        joseMs += await time(viaJose)
      } else {
        joseMs += await time(viaJose)
        sdkMs += await time(viaSdk)
        middlewareMs += await time(viaMiddleware)
      }
    }
    const perSec = (ms: number) => (settings.count * 1000) / ms
    return { middleware: perSec(middlewareMs), sdk: perSec(sdkMs), jose: perSec(joseMs) }
  }
  await round() // warm-up: the JIT, jose's cache of the imported key
  const rounds: { middleware: number; sdk: number; jose: number }[] = []
  for (let r = 0; r < settings.rounds; r++) {
    progress(`round ${r + 1} of ${settings.rounds}: ${settings.count} verifications each way`)
    rounds.push(await round())
  }
  return {
    middlewareOpsPerSec: median(rounds.map((r) => r.middleware)),
    sdkOpsPerSec: median(rounds.map((r) => r.sdk)),
    joseOpsPerSec: median(rounds.map((r) => r.jose)),
    ratio: median(rounds.map((r) => r.jose / r.middleware)),
    sdkRatio: median(rounds.map((r) => r.jose / r.sdk)),
    rounds,
  }
}
