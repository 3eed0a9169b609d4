// Part 3: how often lab 7's remote key set is fetched. Lab 7's own keys.ts (jose's createRemoteJWKSet
// with the lab's cache, cooldown and fetch) verifies many tokens against a tiny key-set server that
// counts its requests; halfway, the server rotates its key the way lab 7's provider does (a new key
// signs, the old one stays published) and tokens signed by the new key start to arrive.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { type JWK, SignJWT, calculateJwkThumbprint, errors, exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { JWKS_COOLDOWN_SECONDS } from '../../../labs/07-idp/config.ts'
import { remoteKeys } from '../../../labs/07-idp/keys.ts'
import { runLoad } from './load.ts'

export interface JwksResult {
  verifications: number
  verified: number
  rotations: number
  /** GET requests the key-set server answered */
  fetches: number
  /** one, plus one per rotation */
  expectedFetches: number
  /** `jwks: fetched …` lines lab 7's keys.ts logged: the same count, seen from the other side */
  labLoggedFetches: number
  /** new-kid tokens refused because the rotation came inside the cooldown (waited out, then retried) */
  refusedDuringCooldown: number
  cooldownSeconds: number
}

interface SigningKey {
  privateKey: CryptoKey
  jwk: JWK
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  return { privateKey, jwk: { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' } }
}

export async function measureRemoteJwks(verifications: number): Promise<JwksResult> {
  const [keyA, keyB] = [await newKey(), await newKey()]
  let published: JWK[] = [keyA.jwk]
  let fetches = 0
  let lastFetchDone = 0
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/jwks') return void res.writeHead(404).end()
    fetches++
    res.on('finish', () => (lastFetchDone = Date.now()))
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: published }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const audience = 'http://127.0.0.1:9000/mcp'

  const sign = (key: SigningKey) =>
    new SignJWT({ client_id: 'bench', scope: 'notes:read' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.jwk.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('alice')
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.privateKey)
  const [tokenA, tokenB] = [await sign(keyA), await sign(keyB)]

  // Exactly as lab 7's server.ts builds it (JWKS_URI set: no discovery), with the lab's default cooldown.
  const getKey = remoteKeys({
    metadata: () => Promise.reject(new Error('not used')),
    jwksUri: `${issuer}/jwks`,
    cooldownSeconds: JWKS_COOLDOWN_SECONDS,
  })
  const verify = (token: string) =>
    jwtVerify(token, getKey, { issuer, audience, algorithms: ['RS256'], typ: 'at+jwt', requiredClaims: ['exp', 'iat'] })

  // keys.ts logs each fetch; count those lines instead of printing them in the middle of the table.
  const log = console.log
  let labLoggedFetches = 0
  console.log = (...args: unknown[]) => (String(args[0]).startsWith('jwks: fetched') ? void labLoggedFetches++ : log(...args))
  let refusedDuringCooldown = 0
  try {
    const half = Math.floor(verifications / 2)
    // 16 at a time, as a busy server verifies: the first fetch is shared by every verification waiting on it.
    const before = await runLoad({ concurrency: 16, total: half, maxSeconds: 60, job: () => verify(tokenA).then(() => undefined) })

    // The rotation: B signs from now on, A stays published until its tokens expire.
    published = [keyB.jwk, keyA.jwk]
    // jose refetches for an unknown kid at most once per cooldown; a B token arriving sooner is refused.
    await sleep(Math.max(0, lastFetchDone + JWKS_COOLDOWN_SECONDS * 1000 + 100 - Date.now()))
    for (let tries = 0; ; tries++) {
      try {
        await verify(tokenB)
        break
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || tries >= 50) throw error
        refusedDuringCooldown++
        await sleep(200)
      }
    }
    let n = 0
    const after = await runLoad({
      concurrency: 16,
      total: verifications - half - 1,
      maxSeconds: 60,
      job: () => verify(n++ % 2 ? tokenA : tokenB).then(() => undefined),
    })
    for (const run of [before, after])
      if (run.errors > 0) throw new Error(`remote JWKS: ${run.errors} verifications failed: ${run.firstError}`)
    return {
      verifications: before.done + 1 + after.done,
      verified: before.done - before.errors + 1 + after.done - after.errors,
      rotations: 1,
      fetches,
      expectedFetches: 2,
      labLoggedFetches,
      refusedDuringCooldown,
      cooldownSeconds: JWKS_COOLDOWN_SECONDS,
    }
  } finally {
    console.log = log
    server.closeAllConnections()
    server.close()
  }
}
