// The client's side of OAuth, as the SDK asks for it (OAuthClientProvider): who we are, where
// our credentials live, and how the user agent is sent to the authorization server.
// Credentials are kept per authorization server (issuer), in a file, so a second run reuses
// the registration and the refresh token instead of registering and logging in again.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js'
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { LegFailed, leg, ok, say, showUrl, warn } from './narrate.ts'

interface IssuerRecord {
  client?: OAuthClientInformationMixed
  tokens?: OAuthTokens
  /** whose grant the tokens are: a walk as another user starts a new grant */
  username?: string
}

export interface ProviderOptions {
  /** the JSON file holding one record per issuer */
  file: string
  /** the person using the client: stored tokens of someone else are not used */
  username: string
  redirectUrl: string
  /** sends the user agent to the authorization URL; resolves with the callback URL */
  userAgent(authorizationUrl: URL): Promise<URL>
  /** credentials someone registered for us by hand: MCP's first choice */
  preRegistered?: { client_id: string; client_secret?: string }
  /** the https URL of our client ID metadata document: MCP's second choice (the SDK uses it when the server supports it) */
  clientMetadataUrl?: string
}

export class WorkshopClientProvider implements OAuthClientProvider {
  readonly redirectUrl: string
  readonly clientMetadataUrl: string | undefined
  private issuer: string | undefined
  private discovery: OAuthDiscoveryState | undefined
  private verifier = ''
  private expectedState = ''
  private stepUpScope: string | undefined
  /** the callback of the last authorization, checked by takeAuthorizationCode() */
  private callback: URL | undefined
  private announced = false

  constructor(private options: ProviderOptions) {
    this.redirectUrl = options.redirectUrl
    this.clientMetadataUrl = options.clientMetadataUrl
  }

  get clientMetadata(): OAuthClientMetadata & { application_type: string } {
    return {
      client_name: 'MCP workshop narrated client (lab 6)',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none', // a public client: it cannot keep a secret (OAuth 2.1 §2.1)
      application_type: 'native', // a program on the user's machine, with a loopback redirect (OIDC Registration §2, RFC 8252)
      ...(this.clientMetadataUrl ? { client_uri: this.clientMetadataUrl } : {}),
    }
  }

  // --- credentials, per issuer -------------------------------------------------------------

  private read(): Record<string, IssuerRecord> {
    try {
      return JSON.parse(readFileSync(this.options.file, 'utf8'))
    } catch {
      return {}
    }
  }

  private record(): IssuerRecord {
    return this.issuer ? (this.read()[this.issuer] ?? {}) : {}
  }

  private update(change: IssuerRecord): void {
    if (!this.issuer) throw new LegFailed('credentials arrived before discovery named an issuer')
    const all = this.read()
    all[this.issuer] = { ...all[this.issuer], ...change }
    mkdirSync(dirname(this.options.file), { recursive: true })
    writeFileSync(this.options.file, JSON.stringify(all, null, 2), { mode: 0o600 })
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    if (this.options.preRegistered) return this.options.preRegistered
    const client = this.record().client
    if (client && !this.announced) ok(`registered earlier with ${this.issuer}: client_id ${client.client_id}, kept in ${this.options.file}`)
    this.announced = true
    return client
  }

  saveClientInformation(client: OAuthClientInformationMixed): void {
    this.announced = true
    this.update({ client })
  }

  tokens(): OAuthTokens | undefined {
    const { tokens, username } = this.record()
    if (username !== this.options.username) return undefined
    // A refresh can never widen a grant (OAuth 2.1 §4.3.1): while stepping up, hold the refresh
    // token back so the SDK starts a new authorization instead of refreshing the old scopes.
    return tokens && this.stepUpScope !== undefined ? { ...tokens, refresh_token: undefined } : tokens
  }

  saveTokens(tokens: OAuthTokens): void {
    this.stepUpScope = undefined
    this.update({ tokens, username: this.options.username })
  }

  /** Put back earlier tokens (after a step-up, the everyday grant); the registration stays. */
  replaceTokens(tokens: OAuthTokens | undefined): void {
    this.update({ tokens, username: this.options.username })
  }

  currentTokens(): OAuthTokens | undefined {
    const { tokens, username } = this.record()
    return username === this.options.username ? tokens : undefined
  }

  // The SDK asks for these around discovery; remembering them for one run saves refetching
  // metadata on every auth() call. The issuer is what our credentials are filed under.
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state
    this.issuer = String(state.authorizationServerUrl)
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery
  }

  /** Our token was refused: the next auth() reads the resource's metadata again, and follows it to whichever issuer it names. */
  forgetDiscovery(): void {
    this.discovery = undefined
  }

  /**
   * The authorization server refused what we hold (invalid_client: it forgot our registration;
   * invalid_grant: the refresh token is dead). The SDK then asks us to forget it and tries once
   * more: registering again, or sending the user to log in.
   */
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'discovery') this.forgetDiscovery()
    if (scope === 'all' || scope === 'verifier') this.verifier = ''
    if (!this.issuer || scope === 'verifier' || scope === 'discovery') return
    const forget = scope === 'all' ? 'registration and tokens' : scope === 'client' ? 'registration' : 'tokens'
    warn(`${this.issuer} refused our ${forget}: forgetting them and starting over`)
    this.update({
      ...(scope === 'all' || scope === 'client' ? { client: undefined } : {}),
      ...(scope === 'all' || scope === 'tokens' ? { tokens: undefined } : {}),
    })
  }

  /** RFC 8414 metadata as discovered, with fields the SDK's type does not name (revocation_endpoint…) */
  issuerMetadata(): Record<string, any> | undefined {
    return this.discovery?.authorizationServerMetadata
  }

  // --- the authorization request -------------------------------------------------------------

  /** OAuth 2.1 §7.12 / RFC 6749 §10.12: an unguessable state, checked when the browser comes back. */
  state(): string {
    this.expectedState = randomBytes(16).toString('base64url')
    return this.expectedState
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier
  }

  codeVerifier(): string {
    return this.verifier
  }

  // #region exercise: step-up
  /** MCP step-up: ask for the union of what we hold and what the challenge names. */
  beginStepUp(challengeScope: string): void {
    const held = this.record().tokens?.scope?.split(' ') ?? []
    this.stepUpScope = [...new Set([...held, ...challengeScope.split(' ')])].filter(Boolean).join(' ')
  }

  endStepUp(): void {
    this.stepUpScope = undefined
  }
  // #endregion

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    if (this.stepUpScope) authorizationUrl.searchParams.set('scope', this.stepUpScope)
    leg({ title: 'The authorization request', soft: false, spec: 'OAuth 2.1 §4.1.1, RFC 7636 §4.3, RFC 8707 §2.1' })
    const params = authorizationUrl.searchParams
    say(
      `PKCE: code_verifier kept here (${this.verifier.length} chars), ` +
        `code_challenge=${params.get('code_challenge')} (${params.get('code_challenge_method')})`,
    )
    say(`scope="${params.get('scope')}"  resource=${params.get('resource')}  state=${params.get('state')}`)
    leg({ title: 'Login and consent', soft: false, spec: 'OAuth 2.1 §4.1.1, MCP security best practices §Consent' })
    this.callback = await this.options.userAgent(authorizationUrl)
  }

  /**
   * The browser is back. Before trusting the code: the state must be ours (CSRF, OAuth 2.1 §7.12)
   * and iss must name the authorization server we started with (mix-up, RFC 9207 §2.4).
   */
  takeAuthorizationCode(): string {
    leg({ title: 'The code and its iss', soft: false, spec: 'RFC 9207 §2.4, OAuth 2.1 §4.1.2, §7.12' })
    const callback = this.callback
    this.callback = undefined
    if (!callback) throw new LegFailed('the user agent did not come back')
    say(showUrl(callback))
    const params = callback.searchParams
    // #region exercise: state-and-iss
    if (params.get('state') !== this.expectedState) throw new LegFailed('state does not match: refusing the response (CSRF)')
    ok('state matches the one we sent')
    const issuer = this.issuerMetadata()?.issuer
    const iss = params.get('iss')
    if (iss === null && this.issuerMetadata()?.authorization_response_iss_parameter_supported) {
      throw new LegFailed('no iss although the server advertises it (RFC 9207 §2.4)')
    }
    if (iss !== null && iss !== issuer) throw new LegFailed(`iss ${iss} is not ${issuer}: a mix-up, refusing the code (RFC 9207 §2.4)`)
    ok(
      iss === null
        ? 'no iss, and the server does not advertise it: nothing to check (RFC 9207 §2.4)'
        : `iss ${iss} is the authorization server we asked`,
    )
    // #endregion
    const error = params.get('error')
    if (error) throw new LegFailed(`the authorization server said ${error}: ${params.get('error_description') ?? ''}`)
    const code = params.get('code')
    if (!code) throw new LegFailed('no code in the callback')
    return code
  }
}
