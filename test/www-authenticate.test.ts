import { describe, expect, it } from 'vitest'
import { ChallengeSyntaxError, parseWwwAuthenticate } from '@workshop/kit/www-authenticate'

describe('WWW-Authenticate parser (RFC 9110 §11.6.1)', () => {
  it('reads quoted parameters with commas and escaped quotes', () => {
    const [challenge] = parseWwwAuthenticate('Bearer realm="mcp", error="invalid_token", error_description="a \\"b\\", c"')
    expect(challenge).toEqual({ scheme: 'bearer', params: { realm: 'mcp', error: 'invalid_token', error_description: 'a "b", c' } })
  })
  it('reads several challenges, token68 and unquoted values', () => {
    const challenges = parseWwwAuthenticate('Basic abc==, Bearer scope="notes:read notes:write", max_age=5')
    expect(challenges).toEqual([
      { scheme: 'basic', params: {}, token68: 'abc==' },
      { scheme: 'bearer', params: { scope: 'notes:read notes:write', max_age: '5' } },
    ])
  })
  it('reads a bare scheme', () => {
    expect(parseWwwAuthenticate('Bearer')).toEqual([{ scheme: 'bearer', params: {} }])
  })
  it('refuses unterminated quotes and repeated parameters', () => {
    expect(() => parseWwwAuthenticate('Bearer realm="mcp')).toThrow(ChallengeSyntaxError)
    expect(() => parseWwwAuthenticate('Bearer realm="a", realm="b"')).toThrow(ChallengeSyntaxError)
  })
})
