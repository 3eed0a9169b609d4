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
      { scheme: 'bearer', params: { scope: 'notes:read notes:write', max_age: '5' }, unquoted: ['max_age'] },
    ])
  })
  it("reads RFC 9110 §11.6.1's example of two challenges", () => {
    const header = 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'
    expect(parseWwwAuthenticate(header)).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' }, unquoted: ['type'] },
      { scheme: 'basic', params: { realm: 'simple' } },
    ])
  })
  it('refuses what is not the grammar: a value with spaces unquoted, a missing comma, a stray word', () => {
    for (const header of [
      'Bearer realm=mcp, error=invalid_token, error_description=The token is not valid',
      'Bearer realm="mcp" error="invalid_token"',
      'Bearer realm="mcp"; error="invalid_token"',
      'Bearer foo bar',
      'Bearer realm="mcp" Basic',
    ])
      expect(() => parseWwwAuthenticate(header), header).toThrow(ChallengeSyntaxError)
  })
  it('reads a bare scheme', () => {
    expect(parseWwwAuthenticate('Bearer')).toEqual([{ scheme: 'bearer', params: {} }])
  })
  it('refuses unterminated quotes and repeated parameters', () => {
    expect(() => parseWwwAuthenticate('Bearer realm="mcp')).toThrow(ChallengeSyntaxError)
    expect(() => parseWwwAuthenticate('Bearer realm="a", realm="b"')).toThrow(ChallengeSyntaxError)
  })
})
