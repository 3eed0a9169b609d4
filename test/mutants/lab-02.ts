// Lab 2's wrong answers: verifying the JWT and writing the 401 challenge (bearer.ts).
import type { Mutant } from './types.ts'

const verify = { lab: 2, exercise: 'verify-token', file: 'bearer.ts' } as const
const challenge = { lab: 2, exercise: 'challenge', file: 'bearer.ts' } as const

export default [
  { ...verify, name: 'iat not required', find: "requiredClaims: ['exp', 'iat']", replace: "requiredClaims: ['exp']" },
  { ...verify, name: 'exp not required', find: "requiredClaims: ['exp', 'iat']", replace: "requiredClaims: ['iat']" },
  { ...verify, name: 'typ not checked', find: "typ: 'at+jwt', //", replace: '//' },
  { ...verify, name: 'issuer not checked', find: 'issuer: options.issuer,', replace: '' },
  { ...verify, name: 'audience not checked', find: 'audience: options.audience,', replace: '' },
  { ...verify, name: 'the caller is the client, not the user (sub)', find: 'sub: claims.sub,', replace: 'sub: claims.client_id,' },

  {
    ...challenge,
    name: 'values not quoted (Bearer realm=mcp, error=invalid_token, …)',
    find: '`${name}="${value}"`',
    replace: '`${name}=${value}`',
  },
  {
    ...challenge,
    name: 'only values with spaces quoted (realm=mcp)',
    find: '`${name}="${value}"`',
    replace: '`${name}=${String(value).includes(\' \') ? `"${value}"` : value}`',
  },
  { ...challenge, name: 'parameters not separated by commas', find: ".join(', ')", replace: ".join(' ')" },
  {
    ...challenge,
    name: 'undefined parameters written out (error="undefined")',
    find: '.filter(([, value]) => value !== undefined)',
    replace: '',
  },
  {
    ...challenge,
    name: 'a second Bearer challenge for the realm',
    find: "res.status(status).set('WWW-Authenticate', `Bearer ${header}`)",
    replace: "res.status(status).append('WWW-Authenticate', 'Bearer realm=\"mcp\"').append('WWW-Authenticate', `Bearer ${header}`)",
  },
  { ...challenge, name: 'always 401, even for a malformed request', find: 'res.status(status)', replace: 'res.status(401)' },
] satisfies Mutant[]
