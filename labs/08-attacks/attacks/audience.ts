// Attacks with real tokens in the wrong place. The issuer signed them, but for another resource
// (token passthrough: a token meant for some other API replayed here), or they name an issuer that
// only looks like ours. And the same at the source: asking the authorization server for a token
// for someone else's resource.
import { describe, granted, onAuthorizationServer } from '../context.ts'
import { issued } from './tokens.ts'
import { type Attack, type Defence, blocked, gotThrough } from './types.ts'

const group = 'audience'
const EVIL_RESOURCE = 'https://evil.example/mcp'

function attack(id: string, title: string, defence: Defence, rule: string, run: Attack['run']): Attack {
  return { id, title, group, defence, rule, run }
}

export const audienceAttacks: Attack[] = [
  // RFC 9068 §4: iss must be exactly the issuer. Each look-alike below is a different string.
  attack(
    'iss-other',
    'issued by another issuer (https://evil.example)',
    'issuer-check',
    'RFC 9068 §4',
    issued({ claims: { iss: 'https://evil.example' } }),
  ),
  attack(
    'iss-trailing-slash',
    'the issuer with a trailing slash',
    'issuer-check',
    'RFC 9068 §4, RFC 8414 §3.3',
    issued((ctx) => ({ claims: { iss: `${ctx.target.issuer}/` } })),
  ),
  attack(
    'iss-case',
    'the issuer in upper case (HTTP://127.0.0.1…)',
    'issuer-check',
    'RFC 9068 §4',
    issued((ctx) => ({ claims: { iss: ctx.target.issuer.toUpperCase() } })),
  ),
  attack(
    'iss-localhost',
    'the issuer as localhost instead of 127.0.0.1',
    'issuer-check',
    'RFC 9068 §4',
    issued((ctx) => ({ claims: { iss: ctx.target.issuer.replace('127.0.0.1', 'localhost') } })),
  ),

  // MCP security best practices, "Token Passthrough": a token issued for another resource (the same
  // issuer serves many) must not be accepted here. RFC 8707 puts the resource in aud; we check it.
  attack(
    'aud-other-resource',
    "token passthrough: the issuer's token for another resource",
    'audience-check',
    'RFC 8707 §2, MCP passthrough',
    issued((ctx) => ({ claims: { aud: `${ctx.target.base}/other-mcp` } })),
  ),
  attack(
    'aud-issuer',
    'aud is the issuer, not this resource',
    'audience-check',
    'RFC 9068 §4',
    issued((ctx) => ({ claims: { aud: ctx.target.issuer } })),
  ),
  attack(
    'aud-client-id',
    "aud is the client id (an ID token's audience)",
    'audience-check',
    'RFC 9068 §4, OIDC Core §2',
    issued({ claims: { aud: 'workshop-dev-token' } }),
  ),
  attack(
    'aud-trailing-slash',
    'aud is this resource with a trailing slash',
    'audience-check',
    'RFC 9068 §4, RFC 9728 §3.3',
    issued((ctx) => ({ claims: { aud: `${ctx.target.resource}/` } })),
  ),
  attack(
    'aud-localhost',
    'aud is this resource as localhost',
    'audience-check',
    'RFC 9068 §4, RFC 9728 §3.3',
    issued((ctx) => ({ claims: { aud: ctx.target.resource.replace('127.0.0.1', 'localhost') } })),
  ),

  // RFC 8707 §2: the authorization server issues tokens only for resources it knows. If it signed a
  // token for evil.example, that server could replay it anywhere that forgets to check aud.
  attack(
    'resource-other-at-authorize',
    'ask the authorization server for a token for evil.example',
    'resource-indicator',
    'RFC 8707 §2',
    onAuthorizationServer(async (ctx, as) => {
      const attempt = await as.start({ params: { resource: EVIL_RESOURCE } })
      if (attempt.reply.status !== 200) return blocked(describe(attempt.reply))
      const { page, location } = await as.approve(attempt, ctx.user)
      const code = location?.searchParams.get('code')
      if (!code) return blocked(`accepted at first, then ${describe(page.reply)}`)
      const token = await as.exchange({
        client: attempt.client,
        code,
        verifier: attempt.pkce.verifier,
        redirectUri: attempt.redirectUri,
        resource: EVIL_RESOURCE,
      })
      return token.status === 200
        ? gotThrough(`a token for aud ${granted(token.json).aud}`)
        : blocked(`code issued, then ${describe(token)}`)
    }),
  ),
  attack(
    'resource-other-at-refresh',
    'refresh a genuine grant into a token for evil.example',
    'resource-indicator',
    'RFC 8707 §2.2',
    onAuthorizationServer(async (ctx, as) => {
      const tokens = await as.tokens({ user: ctx.user, scope: 'notes:read' })
      const reply = await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token!, resource: EVIL_RESOURCE })
      return reply.status === 200 ? gotThrough(`a token for aud ${granted(reply.json).aud}`) : blocked(describe(reply))
    }),
  ),
]
