// Lab 5's wrong answers: PKCE, refresh rotation, redirect URI rules and the sign-in limit.
import type { Mutant } from './types.ts'

const pkce = { lab: 5, exercise: 'verify-pkce', file: 'oauth/pkce.ts' } as const
const rotate = { lab: 5, exercise: 'rotate-refresh', file: 'oauth/grant-refresh-token.ts' } as const
const redirect = { lab: 5, exercise: 'redirect-uri-rules', file: 'oauth/redirect-uris.ts' } as const
const login = { lab: 5, exercise: 'wrong-passwords', file: 'oauth/login.ts' } as const

export default [
  {
    ...pkce,
    name: 'the verifier accepted as its own challenge (plain)',
    find: 'sameSecret(s256(verifier), challenge)',
    replace: '(sameSecret(s256(verifier), challenge) || sameSecret(verifier, challenge))',
  },
  {
    ...pkce,
    name: 'SHA-1 instead of SHA-256',
    caughtBy: 'read-token-reads',
    find: "createHash('sha256')",
    replace: "createHash('sha1')",
  },
  {
    ...pkce,
    name: 'base64 instead of base64url',
    caughtBy: 'read-token-reads',
    find: ".digest('base64url')",
    replace: ".digest('base64').replace(/=+$/, '')",
  },
  {
    ...pkce,
    name: 'the challenge compared ignoring case',
    caughtBy: 'verifier-case',
    find: 'sameSecret(s256(verifier), challenge)',
    replace: 'sameSecret(s256(verifier).toLowerCase(), challenge.toLowerCase())',
  },

  {
    ...rotate,
    name: 'the 60-second limit of the reuse interval ignored',
    caughtBy: 'refresh-retry-late',
    find: 'now < token.used_at + REUSE_INTERVAL && successor?.used_at === null',
    replace: 'successor?.used_at === null',
  },
  {
    ...rotate,
    name: 'a retry allowed after its successor was used',
    find: 'now < token.used_at + REUSE_INTERVAL && successor?.used_at === null',
    replace: 'now < token.used_at + REUSE_INTERVAL && successor !== undefined',
  },
  {
    ...rotate,
    name: 'a replaced successor (successor null) taken for an unused one',
    caughtBy: 'refresh-replaced',
    find: 'successor?.used_at === null',
    replace: 'successor?.used_at == null',
  },
  {
    ...rotate,
    name: 'reuse treated as a rotation',
    caughtBy: 'refresh-retry-late',
    find: "? 'retry' : 'reuse'",
    replace: "? 'retry' : 'rotation'",
  },
  {
    ...rotate,
    name: 'no retry at all: a lost answer ends the grant',
    caughtBy: 'refresh-retry',
    find: "? 'retry' : 'reuse'",
    replace: "? 'reuse' : 'reuse'",
  },

  {
    ...redirect,
    name: 'loopback hosts matched by prefix (http://127.0.0.1.evil.example)',
    caughtBy: 'register-loopback-lookalike',
    find: '!LOOPBACK_HOSTS.has(url.hostname)',
    replace: '![...LOOPBACK_HOSTS].some((host) => url.hostname.startsWith(host))',
  },
  {
    ...redirect,
    name: 'loopback hosts found anywhere in the URI',
    caughtBy: 'register-loopback-lookalike',
    find: '!LOOPBACK_HOSTS.has(url.hostname)',
    replace: '![...LOOPBACK_HOSTS].some((host) => uri.includes(host))',
  },
  {
    ...redirect,
    name: 'an empty fragment allowed (url.hash)',
    caughtBy: 'register-fragment-empty',
    find: "if (uri.includes('#')) return",
    replace: "if (url.hash !== '') return",
  },
  {
    ...redirect,
    name: 'schemes refused by a denylist',
    caughtBy: 'register-data',
    find: "url.protocol !== 'https:' && url.protocol !== 'http:'",
    replace: "url.protocol === 'javascript:'",
  },
  {
    ...redirect,
    name: 'a user name or password allowed',
    caughtBy: 'register-userinfo',
    find: "if (url.username !== '' || url.password !== '') return",
    replace: "if (url.password !== '') return",
  },

  {
    ...login,
    name: 'one wrong password too many allowed (> instead of >=)',
    caughtBy: 'sign-in-limit',
    find: '>= MAX_FAILED_LOGINS',
    replace: '> MAX_FAILED_LOGINS',
  },
  {
    ...login,
    name: 'the pending request kept after the limit',
    caughtBy: 'sign-in-limit',
    find: 'context.store.deleteAuthorizationRequest(request.id)',
    replace: '',
  },
  {
    ...login,
    name: 'the unknown user told apart from the wrong password',
    caughtBy: 'wrong-password',
    find: "error: 'Wrong username or password.'",
    replace:
      "error: credentials.success && context.users.find(credentials.data.username) ? 'Wrong password.' : 'Unknown username or password.'",
  },
  {
    ...login,
    name: 'only a known user counts towards the limit',
    caughtBy: 'sign-in-limit',
    find: 'if (context.store.countFailedLogin(request.id) >= MAX_FAILED_LOGINS) {',
    replace: 'if (context.users.find(req.body?.username) && context.store.countFailedLogin(request.id) >= MAX_FAILED_LOGINS) {',
  },
] satisfies Mutant[]
