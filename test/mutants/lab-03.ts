// Lab 3's wrong answers: the two metadata documents (metadata.ts).
import type { Mutant } from './types.ts'

const resource = { lab: 3, exercise: 'protected-resource', file: 'metadata.ts' } as const
const issuer = { lab: 3, exercise: 'issuer-metadata', file: 'metadata.ts' } as const
const routes = "router.get([new URL(resourceMetadataUrl(resource)).pathname, '/.well-known/oauth-protected-resource'], (_req, res) => {"

export default [
  {
    ...resource,
    name: 'served at the root URL only',
    caughtBy: 'resource-metadata',
    find: routes,
    replace: "router.get('/.well-known/oauth-protected-resource', (_req, res) => {",
  },
  {
    ...resource,
    name: 'served at the path-inserted URL only (no fallback)',
    caughtBy: 'resource-metadata-root',
    find: routes,
    replace: 'router.get(new URL(resourceMetadataUrl(resource)).pathname, (_req, res) => {',
  },
  {
    ...resource,
    name: 'served under a prefix (any path, any case)',
    caughtBy: 'resource-metadata-exact',
    find: routes,
    replace: "router.use('/.well-known/oauth-protected-resource', (_req, res) => {",
  },
  {
    ...resource,
    name: 'resource with a trailing slash',
    caughtBy: 'resource-metadata',
    find: 'resource, // §3.3',
    replace: 'resource: `${resource}/`, // §3.3',
  },
  {
    ...resource,
    name: 'resource is the origin, not the MCP URL',
    caughtBy: 'resource-metadata',
    find: 'resource, // §3.3',
    replace: 'resource: new URL(resource).origin, //',
  },
  {
    ...resource,
    name: 'bearer_methods_supported offers the query string',
    caughtBy: 'resource-metadata',
    find: "bearer_methods_supported: ['header'],",
    replace: "bearer_methods_supported: ['header', 'query'],",
  },

  {
    ...issuer,
    name: 'issuer with a trailing slash',
    caughtBy: 'issuer-metadata',
    find: 'issuer, // §3.3',
    replace: 'issuer: `${issuer}/`, //',
  },
  {
    ...issuer,
    name: 'jwks_uri at a path nothing serves',
    caughtBy: 'issuer-metadata',
    find: '`${issuer}/.well-known/jwks.json`',
    replace: '`${issuer}/jwks.json`',
  },
  {
    ...issuer,
    name: 'an authorization endpoint it does not have',
    caughtBy: 'issuer-metadata-honest',
    find: 'jwks_uri: `${issuer}/.well-known/jwks.json`,',
    replace: 'jwks_uri: `${issuer}/.well-known/jwks.json`, authorization_endpoint: `${issuer}/authorize`,',
  },
  {
    ...issuer,
    name: 'the code flow advertised without its endpoints',
    caughtBy: 'issuer-metadata-honest',
    find: 'response_types_supported: [], //',
    replace: "response_types_supported: ['code'], //",
  },
  {
    ...issuer,
    name: 'response_types_supported left out (RFC 8414 §2: required)',
    caughtBy: 'issuer-metadata-honest',
    find: 'response_types_supported: [], //',
    replace: '//',
  },
] satisfies Mutant[]
