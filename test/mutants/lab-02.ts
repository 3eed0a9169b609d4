// Lab 2's wrong answers: verifying the JWT and writing the 401 challenge (bearer.ts).
import type { Mutant } from './types.ts'

const verify = { lab: 2, exercise: 'verify-token', file: 'bearer.ts' } as const
const challenge = { lab: 2, exercise: 'challenge', file: 'bearer.ts' } as const

export default [
  { ...verify, name: 'iat not required', caughtBy: 'no-iat', find: "requiredClaims: ['exp', 'iat']", replace: "requiredClaims: ['exp']" },
  { ...verify, name: 'exp not required', caughtBy: 'no-exp', find: "requiredClaims: ['exp', 'iat']", replace: "requiredClaims: ['iat']" },
  { ...verify, name: 'typ not checked', caughtBy: 'typ-jwt', find: "typ: 'at+jwt', //", replace: '//' },
  { ...verify, name: 'issuer not checked', caughtBy: 'iss-other', find: 'issuer: options.issuer,', replace: '' },
  { ...verify, name: 'audience not checked', caughtBy: 'aud-other', find: 'audience: options.audience,', replace: '' },
  {
    ...verify,
    name: 'the caller is the client, not the user (sub)',
    caughtBy: 'valid-token',
    find: 'sub: claims.sub,',
    replace: 'sub: claims.client_id,',
  },

  {
    ...challenge,
    name: 'values not quoted (Bearer realm=mcp, error=invalid_token, …)',
    caughtBy: 'no-token',
    find: '`${name}="${value}"`',
    replace: '`${name}=${value}`',
  },
  {
    ...challenge,
    name: 'only values with spaces quoted (realm=mcp)',
    caughtBy: 'no-token',
    find: '`${name}="${value}"`',
    replace: '`${name}=${String(value).includes(\' \') ? `"${value}"` : value}`',
  },
  { ...challenge, name: 'parameters not separated by commas', caughtBy: 'malformed-header', find: ".join(', ')", replace: ".join(' ')" },
  {
    ...challenge,
    name: 'undefined parameters written out (error="undefined")',
    caughtBy: 'no-token',
    find: '.filter(([, value]) => value !== undefined)',
    replace: '',
  },
  {
    ...challenge,
    name: 'a second Bearer challenge for the realm',
    caughtBy: 'no-token',
    find: "res.status(status).set('WWW-Authenticate', `Bearer ${header}`)",
    replace: "res.status(status).append('WWW-Authenticate', 'Bearer realm=\"mcp\"').append('WWW-Authenticate', `Bearer ${header}`)",
  },
  {
    ...challenge,
    name: 'always 401, even for a malformed request',
    caughtBy: 'malformed-header',
    find: 'res.status(status)',
    replace: 'res.status(401)',
  },
] satisfies Mutant[]
