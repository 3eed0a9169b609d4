// What the flow page may show of an exchange (packages/kit/src/flow-mask.ts): passwords never, secrets by
// their last 4 characters, JWTs as their decoded header and claims, and nothing that throws at a lab.
import { describe, expect, it } from 'vitest'
import { JwtCollector, maskBody, maskCommand, maskHeaders, maskUrl } from '@workshop/kit/flow-mask'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const CLAIMS = { aud: 'http://127.0.0.1:9000/mcp', exp: 1800000000 }
const JWT = `${b64({ alg: 'RS256', typ: 'at+jwt' })}.${b64(CLAIMS)}.c2lnbmF0dXJlLW5vdC1zaG93bg`

describe('flow-mask', () => {
  it('hides a password, masks a code and a verifier, and decodes an access token in a form body', () => {
    const jwts = new JwtCollector()
    const body = maskBody(
      `username=carol&password=sesame&code=abcdefgh1234&code_verifier=verifier-verifier-9876&token=${JWT}`,
      'application/x-www-form-urlencoded',
      jwts,
      'request body',
    )
    expect(body).toContain('username=carol')
    expect(body).not.toContain('sesame')
    expect(body).toContain('code=…1234')
    expect(body).toContain('code_verifier=…9876')
    expect(body).not.toContain('abcdefgh')
    expect(body).not.toContain(JWT)
    expect(jwts.jwts).toEqual([
      {
        label: 'JWT 1',
        where: 'request body',
        header: { alg: 'RS256', typ: 'at+jwt' },
        claims: expect.objectContaining({ aud: 'http://127.0.0.1:9000/mcp' }),
      },
    ])
  })

  it('masks the secrets of a JSON token response, a Bearer and a Basic header, a cookie and a redirect', () => {
    const jwts = new JwtCollector()
    const body = maskBody(
      JSON.stringify({ access_token: JWT, refresh_token: 'refresh-refresh-5678', client_secret: 'secret-secret-4321' }),
      'application/json',
      jwts,
      'b',
    )
    expect(body).not.toContain('refresh-refresh')
    expect(body).toContain('…5678')
    expect(body).not.toContain('secret-secret')
    const headers = maskHeaders(
      {
        Authorization: `Bearer ${JWT}`,
        'proxy-authorization': `Basic ${Buffer.from('client-1:very-secret-0000').toString('base64')}`,
        cookie: 'session=abcdefabcdef9999',
        location: 'http://127.0.0.1:8976/callback?code=the-code-abcd&state=s1',
        'x-flow-from': 'client',
      },
      jwts,
      'h',
    )
    expect(headers.authorization).toBe('Bearer ‹JWT 1: decoded below, signature elided›')
    expect(headers['proxy-authorization']).toBe('Basic ‹client-1:…0000›')
    expect(headers.cookie).toBe('session=…9999')
    expect(headers.location).toBe('http://127.0.0.1:8976/callback?code=…abcd&state=s1')
    expect(headers['x-flow-from']).toBeUndefined()
    expect(maskUrl('/authorize?code_verifier=abcdefghij', jwts, 'u')).toBe('/authorize?code_verifier=…ghij')
  })

  it("does not throw at malformed input, and masks a check's curl command", () => {
    const jwts = new JwtCollector()
    expect(() => maskHeaders({ authorization: `Basic ${Buffer.from('%E0%A4%A:%zz').toString('base64')}` }, jwts, 'h')).not.toThrow()
    expect(() => maskBody('{"code": [1, {"password": "x"}]', 'application/json', jwts, 'b')).not.toThrow()
    const command = maskCommand(
      `curl -si -H 'Authorization: Bearer ${JWT}' --data-raw 'username=alice&password=wonderland&code_verifier=abcdefgh'`,
    )
    expect(command).not.toContain('wonderland')
    expect(command).not.toContain(JWT)
    expect(command).toContain('code_verifier=…efgh')
  })
})
