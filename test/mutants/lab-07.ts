// Lab 7's wrong answers: the provider's keys (keys.ts) and judging its introspection answer (introspection.ts).
import type { Mutant } from './types.ts'

const keys = { lab: 7, exercise: 'remote-keys', file: 'keys.ts' } as const
const introspection = { lab: 7, exercise: 'introspection', file: 'introspection.ts' } as const

export default [
  {
    ...keys,
    name: 'the key set fetched again for every token (no cache)',
    caughtBy: 'key-fetches',
    find: 'keys ??= createRemoteJWKSet',
    replace: 'keys = createRemoteJWKSet',
  },
  {
    ...keys,
    name: 'no cooldown: every unknown kid refetches',
    caughtBy: 'key-fetches',
    find: 'cooldownDuration: options.cooldownSeconds * 1000,',
    replace: 'cooldownDuration: 0,',
  },
  {
    ...keys,
    name: 'JWKS_URI ignored',
    caughtBy: 'key-fetches',
    find: 'options.jwksUri ?? (await jwksUri(options.metadata))',
    replace: 'await jwksUri(options.metadata)',
  },
  {
    ...keys,
    name: 'an unknown kid never refetches (a rotated key is never seen)',
    caughtBy: 'key-rotation',
    find: 'cooldownDuration: options.cooldownSeconds * 1000,',
    replace: 'cooldownDuration: Infinity,',
  },

  {
    ...introspection,
    name: 'iss not compared',
    caughtBy: 'introspection-falsified',
    find: 'if (claims.iss !== undefined && claims.iss !== options.issuer)',
    replace: 'if (false as boolean)',
  },
  {
    ...introspection,
    name: 'aud matched by prefix',
    caughtBy: 'introspection-falsified',
    find: '![claims.aud].flat().includes(options.audience)',
    replace: '![claims.aud].flat().some((aud) => aud !== undefined && options.audience.startsWith(aud))',
  },
  {
    ...introspection,
    name: 'a missing aud accepted',
    caughtBy: 'introspection-falsified',
    find: 'if (![claims.aud].flat().includes(options.audience))',
    replace: 'if (claims.aud !== undefined && ![claims.aud].flat().includes(options.audience))',
  },
  {
    ...introspection,
    name: 'exp not compared',
    caughtBy: 'introspection-falsified',
    find: "if (claims.exp !== undefined && claims.exp <= Date.now() / 1000) throw new InactiveToken('The token has expired')",
    replace: '',
  },
  {
    ...introspection,
    name: 'exp compared in milliseconds',
    caughtBy: 'introspection-falsified',
    find: 'claims.exp <= Date.now() / 1000',
    replace: 'claims.exp * 1000 <= Date.now() / 1000',
  },
  {
    ...introspection,
    name: 'token_type not compared',
    caughtBy: 'introspection-falsified',
    find: "if (claims.token_type !== undefined && claims.token_type.toLowerCase() !== 'bearer')",
    replace: 'if (false as boolean)',
  },
] satisfies Mutant[]
