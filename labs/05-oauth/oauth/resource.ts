// RFC 8707 resource indicators: is the resource a client names the one this server issues tokens for?

/**
 * MCP authorization (Canonical Server URI): implementations SHOULD accept an uppercase scheme and
 * host, because RFC 3986 §6.2.2.1 makes both case-insensitive: HTTP://127.0.0.1:9000/mcp names the
 * same resource as http://127.0.0.1:9000/mcp. Everything after the host is compared exactly: /MCP
 * and /mcp/ are other resources. (Redirect URIs and client ids stay exact strings: other rules.)
 */
export function sameResource(presented: string, canonical: string): boolean {
  const lowerSchemeAndHost = (uri: string) => uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, (start) => start.toLowerCase())
  return lowerSchemeAndHost(presented) === canonical
}
