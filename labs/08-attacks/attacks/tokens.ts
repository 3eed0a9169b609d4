// Attacks on the access token itself: none, malformed, unsigned, signed with the wrong key or the
// wrong algorithm, altered after signing, or signed by the issuer but wrong in one claim. Each
// forged token starts from a genuine one (real issuer, audience, sub and live jti), so the one
// forged detail is the only reason to refuse it (RFC 8725 §2 lists these attacks).
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { type JWK, type JWTPayload, SignJWT } from 'jose'
import { hmacWithPublicKey, selfSignedToken, tamperedToken, unsignedToken } from '@workshop/kit/forge'
import { mcpHeaders, rpc } from '@workshop/kit/http'
import type { MintOptions } from '@workshop/kit/tokens'
import type { AttackContext } from '../context.ts'
import { type Attack, type Defence, type Outcome, blocked, gotThrough, notApplicable } from './types.ts'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })
const purgeNotes = rpc('tools/call', { name: 'purge_notes', arguments: {} })
const group = 'tokens'

/** A token forged from a genuine one's claims (forge.ts), presented at /mcp. */
function forged(make: (options: MintOptions) => Promise<string>, call: unknown = readNotes) {
  return async (ctx: AttackContext): Promise<Outcome> => {
    const options = await ctx.forgeOptions()
    return options === undefined ? notApplicable('no genuine token to start from') : ctx.present(await make(options), call)
  }
}

type Changes = { claims?: JWTPayload; header?: Record<string, unknown> }

/** A token the issuer itself signed, wrong in one detail (expired, no kid…), presented at /mcp. */
export function issued(changes: Changes | ((ctx: AttackContext) => Changes)) {
  return async (ctx: AttackContext): Promise<Outcome> => {
    const token = await ctx.signedByIssuer(typeof changes === 'function' ? changes(ctx) : changes)
    return token === undefined
      ? notApplicable("cannot sign as this target's issuer: its key is not on this machine, or its tokens are not JWTs")
      : ctx.present(token)
  }
}

/** Authorization header values that are not one Bearer token; got through if any of them runs the tool. */
async function withAuthorization(ctx: AttackContext, values: string[]): Promise<Outcome> {
  const refusals: string[] = []
  for (const value of values) {
    const outcome = ctx.outcomeOf(await ctx.mcp(readNotes, { headers: { Authorization: value } }))
    if (outcome.outcome === 'got through') return gotThrough(`with "Authorization: ${value.split(' ')[0]} …", ${outcome.evidence}`)
    refusals.push(outcome.evidence)
  }
  return blocked(refusals.length === 1 ? refusals[0] : `all ${refusals.length} refused, e.g. ${refusals[1]}`)
}

/** RFC 8725 §2.1: the published key (a JWK) as an HMAC secret, as forge.ts does with the workshop's key. */
function hmacWith(jwk: JWK, options: MintOptions): Promise<string> {
  const secret = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
  return new SignJWT(options.claims as JWTPayload)
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid })
    .sign(new TextEncoder().encode(String(secret)))
}

/** RFC 8725 §3.10: a certificate chain in the header, signed by the attacker's own key. */
async function x5cToken(options: MintOptions): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  // The chain holds the attacker's key (DER, base64), not a CA-signed certificate: a verifier that
  // takes its key from x5c at all has already lost, so the server must refuse before looking inside.
  const x5c = [publicKey.export({ type: 'spki', format: 'der' }).toString('base64')]
  return new SignJWT(options.claims as JWTPayload)
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: options.header?.kid as string, x5c })
    .sign(privateKey)
}

function attack(id: string, title: string, defence: Defence, rule: string, run: Attack['run']): Attack {
  return { id, title, group, defence, rule, run }
}

export const tokenAttacks: Attack[] = [
  // No token, or not one: the 401 challenge (RFC 6750 §3) must come before any tool runs.
  attack('no-token', 'no token at all', 'bearer-required', 'RFC 6750 §3, OAuth 2.1 §5.2', async (ctx) =>
    ctx.outcomeOf(await ctx.mcp(readNotes)),
  ),
  attack('basic-scheme', 'a user name and password (Basic) instead of a token', 'bearer-required', 'RFC 6750 §3.1', (ctx) =>
    withAuthorization(ctx, [`Basic ${Buffer.from('alice:wonderland').toString('base64')}`]),
  ),
  attack('malformed-bearer', '"Bearer" with no token, two tokens, quotes or a comma', 'bearer-required', 'RFC 6750 §2.1', (ctx) =>
    withAuthorization(ctx, ['Bearer', 'Bearer a b', 'Bearer "quoted"', 'Bearer a,b']),
  ),
  // OAuth 2.1 §5.2: a token in the URL lands in logs, histories and Referer headers; refuse the request.
  attack(
    'token-in-url',
    'a genuine token also in the query string (?access_token=)',
    'header-only',
    'OAuth 2.1 §5.2, RFC 6750 §5.3',
    async (ctx) => {
      const token = await ctx.token()
      if (token === undefined) return notApplicable('no genuine token to send')
      return ctx.outcomeOf(await ctx.send({ url: `/mcp?access_token=${token}`, headers: mcpHeaders(token), body: readNotes }))
    },
  ),
  attack('not-a-jwt', 'a token that is not a JWT', 'signature-check', 'RFC 7519 §7.2', (ctx) => ctx.present('not-a-jwt')),

  // Algorithm confusion: a verifier that believes the token's own "alg" accepts anything.
  attack(
    'alg-none',
    'alg "none": the signature simply left off',
    'alg-allow-list',
    'RFC 8725 §3.1',
    forged((o) => unsignedToken(o, 'none')),
  ),
  attack(
    'alg-none-case',
    'alg "nOnE": the same, dodging a case-sensitive blocklist',
    'alg-allow-list',
    'RFC 8725 §3.1',
    forged((o) => unsignedToken(o, 'nOnE')),
  ),
  // The public key is public: as an HMAC secret it lets anyone "sign". An allow-list of RS256 stops it.
  attack(
    'hs256-public-key',
    'HS256 "signed" with the server\'s public key as the secret',
    'alg-allow-list',
    'RFC 8725 §2.1, §3.1',
    (ctx) => {
      const [published] = ctx.target.jwks
      // forge.ts uses the workshop's key; an issuer with a key of its own (lab 7) gets the same attack with that key.
      return forged(ctx.target.devKeyTrusted || published === undefined ? hmacWithPublicKey : (o) => hmacWith(published, o))(ctx)
    },
  ),

  // The signature must cover what is used: a payload changed after signing, or a stranger's key.
  attack(
    'tampered-payload',
    'a read-only token edited to notes:admin, then purge',
    'signature-check',
    'RFC 7515 §5.2',
    forged(tamperedToken, purgeNotes),
  ),
  attack(
    'foreign-key',
    "signed by the attacker's own key, under the server's kid",
    'signature-check',
    'RFC 7515 §5.2',
    forged((o) => selfSignedToken(o, 'none')),
  ),

  // RFC 8725 §3.10: keys must come from the issuer's configuration, never from the token.
  attack(
    'header-jwk',
    "the attacker's key, offered in the header (jwk)",
    'no-header-keys',
    'RFC 8725 §3.10',
    forged((o) => selfSignedToken(o, 'jwk')),
  ),
  attack(
    'header-jku',
    'the attacker\'s key set, "at this URL" (jku)',
    'no-header-keys',
    'RFC 8725 §3.10',
    forged((o) => selfSignedToken(o, 'jku')),
  ),
  attack(
    'header-x5u',
    'the attacker\'s certificate, "at this URL" (x5u)',
    'no-header-keys',
    'RFC 8725 §3.10',
    forged((o) => selfSignedToken(o, 'x5u')),
  ),
  attack('header-x5c', "the attacker's certificate chain in the header (x5c)", 'no-header-keys', 'RFC 8725 §3.10', forged(x5cToken)),

  // Signed by the issuer's own key, but naming no key or a key it does not publish.
  attack(
    'no-kid',
    "the issuer's signature, but no kid in the header",
    'kid-check',
    'RFC 7515 §4.1.4',
    issued({ header: { kid: undefined } }),
  ),
  attack(
    'unknown-kid',
    "the issuer's signature, under a kid it does not publish",
    'kid-check',
    'RFC 7517 §4.5',
    issued({ header: { kid: 'rotated-away' } }),
  ),

  // RFC 8725 §3.11, RFC 9068 §4: explicit typing keeps an ID token (typ JWT) from passing as an access token.
  attack(
    'typ-jwt',
    'typ "JWT": an ID token or other JWT the issuer signed',
    'typ-check',
    'RFC 9068 §4, RFC 8725 §3.11',
    issued({ header: { typ: 'JWT' } }),
  ),
  attack('typ-missing', 'no typ header', 'typ-check', 'RFC 9068 §4, RFC 8725 §3.11', issued({ header: { typ: undefined } })),

  // A token's life has an end (and sometimes a start): no exp means forever.
  attack(
    'expired',
    'expired a minute ago',
    'lifetime-check',
    'RFC 7519 §4.1.4',
    issued({ claims: { exp: Math.floor(Date.now() / 1000) - 60 } }),
  ),
  attack(
    'not-yet-valid',
    'not valid before an hour from now (nbf)',
    'lifetime-check',
    'RFC 7519 §4.1.5',
    issued({ claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }),
  ),
  attack('no-exp', 'no exp: a token that never expires', 'lifetime-check', 'RFC 9068 §2.2', issued({ claims: { exp: undefined } })),

  // RFC 9068 §2.2: whose token is it, and which client holds it? Without them the server cannot tell.
  attack('no-sub', "no sub: nobody's token (whose notes?)", 'claims-check', 'RFC 9068 §2.2', issued({ claims: { sub: undefined } })),
  attack('no-client-id', 'no client_id claim', 'claims-check', 'RFC 9068 §2.2', issued({ claims: { client_id: undefined } })),
]
