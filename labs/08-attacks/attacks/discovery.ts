// Attacks on discovery: a client believes the metadata and the challenge (RFC 9728, RFC 8414) and
// goes wherever they point to get a token. A server that builds those URLs from the request's own
// headers lets whoever controls the headers (a proxy, a rebinding page) point clients elsewhere.
import { rpc } from '@workshop/kit/http'
import { type Attack, blocked, gotThrough, notApplicable } from './types.ts'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })

export const discoveryAttacks: Attack[] = [
  {
    id: 'forwarded-host',
    title: 'X-Forwarded-Host evil.example: do advertised URLs follow?',
    group: 'discovery',
    defence: 'canonical-metadata',
    rule: 'RFC 9728 §3.3, RFC 8414 §3.3',
    // The defence: the resource, the issuer and every URL in them are configuration, byte for byte
    // the canonical ones, whatever Host, X-Forwarded-Host or Forwarded say.
    async run(ctx) {
      const tricks = {
        Host: `localhost:${ctx.port}`,
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Proto': 'https',
        Forwarded: 'host=evil.example;proto=https',
      }
      const challenge = (await ctx.mcp(readNotes, { headers: tricks })).headers['www-authenticate']
      const documents = [
        '/.well-known/oauth-protected-resource/mcp',
        '/.well-known/oauth-protected-resource',
        '/.well-known/oauth-authorization-server',
      ]
      const replies = await Promise.all(documents.map((url) => ctx.send({ url, headers: tricks })))
      const advertised = [String(challenge ?? ''), ...replies.filter((r) => r.status === 200).map((r) => r.text)]
      if (!/resource_metadata=/.test(advertised[0]) && advertised.length === 1)
        return notApplicable('it advertises nothing: no metadata, no resource_metadata in a challenge')
      const poisoned = advertised.find((text) => /evil\.example|localhost|https:\/\/127/.test(text))
      return poisoned
        ? gotThrough(`advertised: ${/[^"]*(evil\.example|localhost|https:\/\/127)[^"]*/.exec(poisoned)?.[0]}`)
        : blocked(`${advertised.length} advertisements, every URL canonical`)
    },
  },
]
