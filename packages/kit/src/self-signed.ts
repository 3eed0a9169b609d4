// A self-signed TLS certificate for 127.0.0.1 and localhost, made in memory, for checks that need an https
// server on this machine (a client ID metadata document must be served over https). No openssl, no key in git:
// the certificate is a few DER structures (RFC 5280 §4.1) signed with a fresh P-256 key.
// Trust it in another process with NODE_EXTRA_CA_CERTS=<the PEM in a file>.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'

/** One DER element (X.690 §8.1): tag, length, contents. */
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents)
  const n = body.length
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return Buffer.concat([Buffer.from([tag, ...length]), body])
}
const sequence = (...contents: Buffer[]) => der(0x30, ...contents)
const oid = (hex: string) => der(0x06, Buffer.from(hex, 'hex'))
const utcTime = (date: Date) => der(0x17, Buffer.from(`${date.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`))
const name = (cn: string) => sequence(der(0x31, sequence(oid('550403'), der(0x0c, Buffer.from(cn))))) // CN=…
const ECDSA_WITH_SHA256 = sequence(oid('2a8648ce3d040302')) // 1.2.840.10045.4.3.2
const SUBJECT_ALT_NAME = oid('551d11') // 2.5.29.17

export interface Certificate {
  cert: string // PEM
  key: string // PEM, PKCS #8
}

export function selfSignedCertificate(commonName = 'workshop check (127.0.0.1)'): Certificate {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const serial = randomBytes(16)
  serial[0] &= 0x7f // a positive INTEGER
  const now = Date.now()
  const altNames = sequence(der(0x87, Buffer.from([127, 0, 0, 1])), der(0x82, Buffer.from('localhost'))) // iPAddress, dNSName
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // version 3
    der(0x02, serial),
    ECDSA_WITH_SHA256,
    name(commonName), // issuer: itself
    sequence(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 24 * 3600_000))),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, sequence(sequence(SUBJECT_ALT_NAME, der(0x04, altNames)))),
  )
  const signature = sign('sha256', tbs, privateKey) // ECDSA, DER-encoded as X.509 wants it
  const certificate = sequence(tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.from([0]), signature))
  const base64 = certificate.toString('base64').replace(/.{64}/g, '$&\n')
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}${base64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`,
    key: String(privateKey.export({ type: 'pkcs8', format: 'pem' })),
  }
}
