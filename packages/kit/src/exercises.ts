// The exercises of practice mode (`npm run practice N`): for each, the region of the lab's code it
// takes out (`// #region exercise: NAME` … `// #endregion`), the task in one sentence, hints from the
// spec outward, the stub that stands in its place (it compiles and fails closed), and the checks that
// grade it: with the exercise stubbed, some of these fail, and every other check of the lab passes
// (test/practice.test.ts proves both for every exercise).
import { type Lab } from './labs.ts'

export interface Exercise {
  lab: number
  name: string
  /** the file that holds the region, relative to the lab's folder */
  file: string
  /** lab 5 is taken in parts (its README); `npm run check 5 -- --part N` */
  part?: number
  /** what to write, in one sentence */
  task: string
  /** the first names the spec section; each next one says more */
  hints: string[]
  /** what stands in the region until the learner writes it: compiles, and refuses */
  stub: string
  /** the ids of the checks this exercise makes pass */
  checks: string[]
}

// Lab 2's tokens that must be refused with 401 invalid_token: a verifier that lets one in fails its check, and
// a challenge written wrong fails them all.
const REFUSED = [
  ...['garbage', 'alg-none', 'alg-none-case', 'alg-hs256', 'tampered', 'header-jwk', 'header-jku', 'header-x5u', 'foreign-key'],
  ...['no-kid', 'unknown-kid', 'expired', 'no-exp', 'no-iat', 'not-yet-valid', 'iss-other', 'iss-slash', 'iss-case', 'iss-localhost'],
  ...['aud-other', 'aud-issuer', 'aud-client', 'aud-slash', 'typ-jwt', 'typ-missing', 'no-sub', 'no-client-id'],
]

// Lab 4's checks of the gate itself: a gate that refuses everything fails them (and lab 2's tool calls).
const GATED = [
  'read-token-reads',
  'read-token-cannot-add',
  'read-token-cannot-purge',
  'no-scope-token',
  'write-token',
  'admin-token',
].concat(['list-shows-all', 'batch', 'notification', 'duplicate-keys', 'header-tricks', 'headers-not-trusted', 'era-2026'])

// Lab 5's checks that need a token from its authorization server: a stub that stops the code flow fails them.
const WITH_TOKENS = [
  'read-token-reads',
  'read-token-cannot-add',
  'read-token-cannot-purge',
  'write-token',
  'admin-token',
  'list-shows-all',
  'batch',
  'notification',
  'duplicate-keys',
  'header-tricks',
  'headers-not-trusted',
  'era-2026',
  'unknown-operation',
  'unknown-resource',
  'content-type-trick',
  'valid-token',
  'notes-per-sub',
  'flow',
  'access-token-profile',
  'consent-scopes',
  'default-scope',
  'resource-upper-case',
  'code-resource',
  'code-reuse',
  'refresh-rotation',
  'refresh-retry',
  'refresh-retry-late',
  'refresh-replaced',
  'refresh-narrow',
  'refresh-widen',
  'refresh-other-client',
  'refresh-resource',
  'revoke-refresh',
  'revoke-access',
  'revoke-unknown',
  'introspect-no-auth',
  'introspect-active',
  'introspect-inactive',
]
// …and those that need no more than a registered client (a sign-in page, an error redirect, a refusal).
const CLIENT_REGISTERED = [
  'page-headers',
  'deny',
  'wrong-password',
  'login-csrf',
  'consent-csrf',
  'consent-before-sign-in',
  'pkce-missing',
  'pkce-plain',
  'pkce-method-missing',
  'pkce-bad-challenge',
  'resource-missing',
  'resource-other',
  'resource-slash',
  'resource-path-case',
  'scope-unknown',
  'response-type-token',
  'param-repeated',
  'unknown-client',
  'redirect-other-port',
  'redirect-trailing-slash',
  'redirect-other-path',
  'redirect-host-case',
  'redirect-path-case',
  'redirect-query-added',
  'redirect-fragment',
  'redirect-http',
  'redirect-userinfo',
  'redirect-subdomain',
  'redirect-localhost',
  'redirect-loopback-path',
  'redirect-missing',
  'redirect-loopback-port',
  'verifier-missing',
  'verifier-wrong',
  'verifier-short',
  'verifier-long',
  'verifier-case',
  'verifier-odd',
  'verifier-is-challenge',
  'code-other-client',
  'code-redirect-uri',
  'code-unknown',
  'grant-types',
  'client-authentication',
  'token-garbage',
  'register-public',
  'register-confidential',
  'register-bad-metadata',
  'sign-in-limit',
]

// …and the registrations that must be refused: a redirect URI rule written too loosely fails one of them.
const REGISTRATION_REFUSED = [
  ...['register-javascript', 'register-data', 'register-fragment', 'register-fragment-empty', 'register-userinfo'],
  ...['register-loopback-lookalike', 'register-http', 'register-relative', 'register-none', 'register-mixed'],
]

// …and the redemptions PKCE must refuse: a verifier checked too loosely fails one of them.
const PKCE_REFUSED = [
  ...['verifier-missing', 'verifier-wrong', 'verifier-short', 'verifier-long', 'verifier-case', 'verifier-odd'],
  'verifier-is-challenge',
]

export const EXERCISES: readonly Exercise[] = [
  {
    lab: 1,
    name: 'origin-check',
    file: 'origin.ts',
    task:
      'Refuse a browser request whose Origin is not in `allowed` with 403, and answer an allowed one with CORS headers ' +
      '(a preflight with 204), so a page at an allowed origin can call the server and read WWW-Authenticate.',
    hints: [
      'MCP transports, "Security Warning": servers MUST validate the Origin header (DNS rebinding).',
      'allowed.includes(origin) decides. For an allowed origin: Access-Control-Allow-Origin (that origin), Vary: Origin, ' +
        'Access-Control-Expose-Headers with WWW-Authenticate; an OPTIONS preflight gets 204 with the methods and headers allowed.',
      'Compare whole origins: a prefix test would let http://127.0.0.1.evil.example in.',
    ],
    stub: "res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message: 'origin-check: not written yet' }, id: null })",
    checks: ['origin-foreign', 'origin-null', 'origin-lookalike', 'cors-preflight', 'cors-inspector'],
  },
  {
    lab: 2,
    name: 'verify-token',
    file: 'bearer.ts',
    task:
      "Verify the token with jose's jwtVerify (RS256 only, typ at+jwt, this issuer and audience, exp and iat required), " +
      'parse its claims with AccessTokenClaims, and put the caller (sub and scopes) in res.locals.caller.',
    hints: [
      'RFC 9068 §4 (validating an access token), RFC 8725 §3.1 (an algorithm allow-list).',
      'jwtVerify(token, getKey, { algorithms, typ, issuer, audience, requiredClaims }) throws on any problem, ' +
        'and the catch below turns that into 401 invalid_token.',
      'The scope claim is one space-separated string (RFC 6749 §3.3): split it and drop empty strings.',
    ],
    stub: "throw new Error('verify-token: not written yet') // every token refused: 401 invalid_token",
    checks: ['valid-token', 'notes-per-sub', ...REFUSED],
  },
  {
    lab: 2,
    name: 'challenge',
    file: 'bearer.ts',
    task:
      'Answer with `status`, a WWW-Authenticate: Bearer header listing every defined parameter as name="value", ' +
      'and a JSON body with the error code (or a description when there is none).',
    hints: [
      'RFC 6750 §3 (the challenge) and §3.1 (its error codes; none when no credentials were sent).',
      'Object.entries(params), leave out undefined values, quote each one: Bearer realm="mcp", error="invalid_token".',
    ],
    stub: "res.status(status).json({ error: params.error ?? 'challenge: not written yet' }) // refused, but no challenge",
    checks: ['no-token', 'other-scheme', 'malformed-header', 'token-in-url', ...REFUSED],
  },
  {
    lab: 3,
    name: 'protected-resource',
    file: 'metadata.ts',
    task:
      "Serve this resource's metadata (resource, authorization_servers, scopes_supported, bearer_methods_supported) " +
      'at the path-inserted well-known URL and at the root one.',
    hints: [
      'RFC 9728 §2 (the document), §3.1 (its URL), §3.3 (resource equals the URL the client used, byte for byte).',
      "resourceMetadataUrl(resource) is the path-inserted URL; router.get([its pathname, '/.well-known/oauth-protected-resource'], …).",
    ],
    stub: '// (no metadata yet: a client that follows the challenge finds a 404)',
    checks: ['challenge-resource-metadata', 'resource-metadata', 'resource-metadata-root', 'resource-metadata-exact', 'challenge-scope'],
  },
  {
    lab: 3,
    name: 'issuer-metadata',
    file: 'metadata.ts',
    task:
      "Serve the issuer's metadata at /.well-known/oauth-authorization-server: issuer, jwks_uri, scopes_supported, " +
      'and no endpoint this server does not have.',
    hints: [
      'RFC 8414 §2 (the fields; response_types_supported is required), §3.3 (issuer identical to the URL it came from).',
      'Until lab 5 this issuer only signs tokens (npm run token): jwks_uri, and empty response_types_supported and grant_types_supported.',
    ],
    stub: '// (no issuer metadata yet: a 404)',
    checks: ['challenge-resource-metadata', 'challenge-scope', 'issuer-metadata', 'issuer-metadata-honest'],
  },
  {
    lab: 4,
    name: 'scope-lookup',
    file: 'scopes.ts',
    task:
      'Say what one JSON-RPC message needs: { open: true } for the handshake, listings, notifications and responses, ' +
      '{ scope } from SCOPE_TABLE for a tool call, a resource read or a prompt, and { unknown } for anything else.',
    hints: [
      'MCP authorization, "Scope Challenge Handling"; fail closed: what the table does not know is refused.',
      "SCOPE_TABLE's keys are the method and its target: 'tools/call read_notes', 'resources/read notes://mine', " +
        "'prompts/get summarise_notes'. OPEN_METHODS is what any valid token may do.",
    ],
    stub: "return { unknown: 'scope-lookup: not written yet' }",
    checks: [...GATED, 'unknown-operation', 'unknown-resource', 'valid-token', 'notes-per-sub'],
  },
  {
    lab: 4,
    name: 'scope-gate',
    file: 'scopes.ts',
    task:
      'For every message of the body (a batch too) collect the scopes it needs; refuse an unknown operation with a JSON-RPC ' +
      "error (400, the request's id); let the call through when the token grants them all, else answer 403 insufficient_scope.",
    hints: [
      'RFC 6750 §3.1 (insufficient_scope is 403) and MCP authorization, "Step-Up Authorization Flow" (the scope parameter).',
      'requirementOf(message) says what each message needs, grants(caller, scope) whether the token has it, and ' +
        'sendChallenge(res, 403, { ...challenge, error, error_description, scope }) answers with every scope needed.',
    ],
    stub: "res.status(403).json({ error: 'insufficient_scope', error_description: 'scope-gate: not written yet' })",
    checks: [...GATED, 'unknown-operation', 'unknown-resource', 'valid-token', 'notes-per-sub'],
  },
  {
    lab: 5,
    part: 1,
    name: 'verify-pkce',
    file: 'oauth/pkce.ts',
    task:
      'Compute the S256 code challenge of a verifier, and accept a code_verifier only if it is well formed and its ' +
      'challenge equals the one stored with the code.',
    hints: [
      'RFC 7636 §4.2 (S256: BASE64URL(SHA256(ASCII(verifier)))) and §4.6 (the server verifies).',
      "createHash('sha256').update(verifier, 'ascii').digest('base64url'); compare with sameSecret (constant time), " +
        'after isValidVerifier.',
    ],
    stub: [
      '/** RFC 7636 §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) */',
      'export function s256(_verifier: string): string {',
      "  return '' // not written yet",
      '}',
      '',
      '/** RFC 7636 §4.6: the verifier must be well formed and hash to the challenge stored with the code. */',
      'export function verifyPkce(_verifier: string, _challenge: string): boolean {',
      '  return false // not written yet: no code can be redeemed',
      '}',
    ].join('\n'),
    checks: [...WITH_TOKENS, ...PKCE_REFUSED],
  },
  {
    lab: 5,
    part: 2,
    name: 'rotate-refresh',
    file: 'oauth/grant-refresh-token.ts',
    task:
      'Say what presenting a refresh token is: its first use (rotation), an honest retry of that rotation (within ' +
      'REUSE_INTERVAL, while its successor is unused), or reuse, which ends the whole grant.',
    hints: [
      'OAuth 2.1 §4.3.1 (rotation) and RFC 9700 §4.14.2 (reuse detection); the README, "a thief, or a lost answer?".',
      'token.used_at is null until the token rotates; token.successor names the token it was rotated into; ' +
        'context.store.findRefreshToken(successor).used_at says whether that one was used.',
    ],
    stub: "return 'reuse' // not written yet: every refresh ends the grant",
    checks: [
      'resource-upper-case',
      'refresh-rotation',
      'refresh-retry',
      'refresh-retry-late',
      'refresh-replaced',
      'refresh-narrow',
      'refresh-widen',
      'refresh-resource',
    ],
  },
  {
    lab: 5,
    part: 3,
    name: 'redirect-uri-rules',
    file: 'oauth/redirect-uris.ts',
    task:
      'Say why a client may not register a redirect URI (or nothing when it may): an absolute https URL, or http ' +
      'on a loopback host, with no fragment and no user name or password.',
    hints: [
      'OAuth 2.1 §2.3.1 and §8.4.2, RFC 6749 §3.1.2 (no fragment), RFC 7591 §2 (the metadata).',
      'new URL(uri) throws for a relative URI; javascript:, data: and custom schemes are refused by the protocol; ' +
        'LOOPBACK_HOSTS lists where http is allowed.',
    ],
    stub: "return 'not written yet: no redirect URI can be registered'",
    checks: [...WITH_TOKENS, ...CLIENT_REGISTERED, ...REGISTRATION_REFUSED],
  },
  {
    lab: 5,
    part: 4,
    name: 'wrong-passwords',
    file: 'oauth/login.ts',
    task:
      'When the sign-in fails, show the sign-in page again with one message for any wrong username or password, ' +
      'until MAX_FAILED_LOGINS failures; then end the pending request (and its CSRF cookie) with an error page.',
    hints: [
      'OAuth 2.1 §7.1 (the authorization server authenticates the user) and its security considerations on guessing; ' +
        'the count lives in SQLite with the pending request (store.ts), so a restart does not reset it.',
      'context.store.countFailedLogin(request.id) counts one more and returns the total; deleteAuthorizationRequest and ' +
        'clearCsrfCookie end it; a PageError(message, 401) is shown, never redirected.',
    ],
    stub: [
      'if (user === undefined) {',
      "  throw new PageError('wrong-passwords: not written yet, so one wrong password ends the sign-in', 401)",
      '}',
    ].join('\n'),
    checks: ['wrong-password', 'sign-in-limit'],
  },
  {
    lab: 6,
    name: 'state-and-iss',
    file: 'client/provider.ts',
    task:
      'In checkCallback, before the code is trusted: throw LegFailed unless state is the one you sent, iss is present when ' +
      'the metadata advertises it, and iss, when present, is exactly the issuer you started with.',
    hints: [
      'OAuth 2.1 §7.12 (state, against CSRF) and RFC 9207 §2.4 (iss, against mix-up). SDK 2 checks iss as well, ' +
        'but the checks call your function directly: it must hold on its own.',
      "params.get('state') against expected.state; params.get('iss') is null when absent: then expected.issAdvertised " +
        'decides; when present it must equal expected.issuer as a plain string (no trailing-slash or case leniency).',
    ],
    stub: [
      'export function checkCallback(_params: URLSearchParams, _expected: ExpectedCallback): void {',
      "  throw new LegFailed('state-and-iss: not written yet, so the code is refused')",
      '}',
    ].join('\n'),
    checks: ['callback-state', 'callback-iss-foreign', 'callback-iss-missing', 'walk', 'walk-again', 'walk-no-admin', 'walk-legacy'],
  },
  {
    lab: 6,
    name: 'step-up',
    file: 'client/provider.ts',
    task:
      'In stepUpScope, return the union of the scopes held and the ones the challenge names, each once, or undefined once ' +
      'the operation has stepped up STEP_UP_LIMIT times.',
    hints: [
      'MCP authorization, "Step-Up Authorization Flow": ask for what is missing, keeping what you had, and limit the retries. ' +
        'SDK 2 computes the union itself; the checks call your function directly.',
      'Scopes are space-separated (RFC 6749 §3.3): split both, merge them in a Set, drop empty strings, join with a space; ' +
        'attempts >= STEP_UP_LIMIT means the limit is reached.',
    ],
    stub: [
      '/** How many times one operation may send the user back to sign in for more scope. */',
      'export const STEP_UP_LIMIT = 1',
      '',
      'export function stepUpScope(_held: string | undefined, _challenge: string, _attempts: number): string | undefined {',
      "  throw new LegFailed('step-up: not written yet')",
      '}',
    ].join('\n'),
    checks: ['step-up-union', 'step-up-limit', 'walk', 'walk-again', 'walk-no-admin', 'walk-legacy'],
  },
  {
    lab: 7,
    name: 'remote-keys',
    file: 'keys.ts',
    task:
      "Return a key resolver that fetches the provider's key set from its jwks_uri (or JWKS_URI) on first use with jose's " +
      'createRemoteJWKSet, caches it, and refetches at most once per cooldown when a token names an unknown kid.',
    hints: [
      'RFC 7517 §5 (JWK Set), RFC 8414 §2 (jwks_uri), OpenID Connect Core §10.1.1 (rotation).',
      'createRemoteJWKSet(new URL(…), { cooldownDuration, cacheMaxAge, timeoutDuration, [customFetch]: fetchKeys }); ' +
        'jwksUri(options.metadata) finds the URL.',
    ],
    stub: "return async () => { throw new Error('remote-keys: not written yet') } // every token refused: 401",
    checks: [
      'key-fetches',
      'flow',
      'resource-case',
      'alice-cannot-purge',
      'bob-read-only',
      'step-up-carol',
      'refresh-rotation',
      'jwt-outlives-revocation',
      'key-rotation',
      'lab6-client',
      'lab6-client-metadata-document',
    ],
  },
  {
    lab: 7,
    name: 'introspection',
    file: 'introspection.ts',
    task:
      "Judge the provider's answer as you would a JWT: active, then iss, aud, exp, token_type and sub; return the caller " +
      '(sub and scopes), or throw InactiveToken.',
    hints: [
      'RFC 7662 §2.2 (the answer), §4 (the resource server still decides), RFC 8707 §2 (aud is this server).',
      'Only active is required: check each other field when it is there. aud may be a string or an array.',
    ],
    stub: "throw new InactiveToken('introspection: not written yet')",
    checks: [
      'introspection-falsified',
      'introspection-token',
      'introspection-revocation',
      'introspection-refusals',
      'provider-down',
      'lab6-client',
      'lab6-client-metadata-document',
    ],
  },
]

export function exercisesOf(lab: Lab): Exercise[] {
  return EXERCISES.filter((exercise) => exercise.lab === lab.n)
}

/** The exercises a failing check belongs to (a check may need more than one). */
export function exercisesOfCheck(lab: Lab, checkId: string): Exercise[] {
  return exercisesOf(lab).filter((exercise) => exercise.checks.includes(checkId))
}

/**
 * Lab 5 is taken in parts (its README walks them): the files to read for each (`npm run diff 4 5 -- --part N`),
 * and the checks that grade it.
 */
export interface Part {
  lab: number
  part: number
  title: string
  files: string[]
  checks: string[]
}

export const PARTS: readonly Part[] = [
  {
    lab: 5,
    part: 1,
    title: 'the code flow with PKCE: /authorize, sign-in and consent, the code, /token',
    files: [
      ...['oauth/authorize.ts', 'oauth/pages.ts', 'oauth/login.ts', 'oauth/consent.ts', 'oauth/authorization-response.ts'],
      ...['oauth/pkce.ts', 'oauth/token.ts', 'oauth/grant-authorization-code.ts', 'oauth/issue.ts'],
    ],
    checks: [
      ...['flow', 'as-metadata', 'access-token-profile', 'page-headers', 'consent-scopes', 'default-scope', 'deny'],
      ...['login-csrf', 'consent-csrf', 'consent-before-sign-in', 'pkce-missing', 'pkce-plain', 'pkce-method-missing'],
      ...['pkce-bad-challenge', 'resource-missing', 'resource-other', 'resource-slash', 'resource-path-case', 'resource-upper-case'],
      ...['scope-unknown', 'response-type-token', 'param-repeated', 'unknown-client', 'redirect-other-port', 'redirect-trailing-slash'],
      ...['redirect-other-path', 'redirect-host-case', 'redirect-path-case', 'redirect-query-added', 'redirect-fragment'],
      ...['redirect-http', 'redirect-userinfo', 'redirect-subdomain', 'redirect-localhost', 'redirect-loopback-path'],
      ...['redirect-missing', 'redirect-loopback-port', 'verifier-missing', 'verifier-wrong', 'verifier-short', 'verifier-long'],
      ...['verifier-case', 'verifier-odd', 'verifier-is-challenge', 'code-other-client', 'code-redirect-uri'],
      ...['code-resource', 'code-unknown'],
      ...['code-reuse', 'grant-types', 'client-authentication', 'token-garbage', 'dev-token-refused', 'pages-garbage'],
    ],
  },
  {
    lab: 5,
    part: 2,
    title: 'refresh, revocation and introspection',
    files: ['oauth/grant-refresh-token.ts', 'oauth/revoke.ts', 'oauth/introspect.ts', 'oauth/presented-token.ts'],
    checks: [
      ...[
        'refresh-rotation',
        'refresh-retry',
        'refresh-retry-late',
        'refresh-replaced',
        'refresh-narrow',
        'refresh-widen',
        'refresh-other-client',
      ],
      ...['refresh-resource', 'revoke-refresh', 'revoke-access', 'revoke-unknown', 'revoke-no-client', 'introspect-no-auth'],
      ...['introspect-active', 'introspect-inactive'],
    ],
  },
  {
    lab: 5,
    part: 3,
    title: 'registration: dynamic (RFC 7591) and by client ID metadata document, with its SSRF guard',
    files: ['oauth/register.ts', 'oauth/redirect-uris.ts', 'oauth/client-metadata-document.ts', 'oauth/ssrf.ts', 'oauth/clients.ts'],
    checks: [
      ...['register-public', 'register-confidential', 'register-javascript', 'register-data', 'register-fragment'],
      ...[
        'register-fragment-empty',
        'register-userinfo',
        'register-loopback-lookalike',
        'register-http',
        'register-relative',
        'register-none',
        'register-mixed',
        'register-bad-metadata',
        'register-garbage',
      ],
      'client-metadata-refused',
    ],
  },
  {
    lab: 5,
    part: 4,
    title: 'durable state and limits: SQLite, lifetimes, pruning, rate limits, wrong passwords',
    files: ['oauth/store.ts', 'oauth/context.ts', 'oauth/rate-limit.ts', 'oauth/login.ts', 'oauth/index.ts'],
    checks: ['wrong-password', 'sign-in-limit'],
  },
]

export function partsOf(lab: Lab): Part[] {
  return PARTS.filter((part) => part.lab === lab.n)
}

/** The part a learner named (`--part 2`); an error listing the lab's parts when there is no such part. */
export function findPart(lab: Lab, name: string): Part {
  const parts = partsOf(lab)
  const part = parts.find((p) => String(p.part) === name)
  if (part) return part
  throw new Error(
    parts.length === 0
      ? `lab ${lab.n} is not taken in parts (lab 5 is)`
      : `lab ${lab.n} has parts ${parts.map((p) => p.part).join(', ')}:\n${parts.map((p) => `  ${p.part}  ${p.title}`).join('\n')}`,
  )
}
