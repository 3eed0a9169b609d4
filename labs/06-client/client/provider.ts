// The client's side of OAuth, as the SDK asks for it (OAuthClientProvider): who we are, where
// our credentials live, and how the user agent is sent to the authorization server.
// Credentials are kept per authorization server (issuer), in a file, so a second run reuses
// the registration and the refresh token instead of registering and logging in again.
// Two rules are ours to know even where SDK 2 enforces them too: the state and iss of the
// callback (checkCallback) and the scope of a step-up (stepUpScope). Both are plain functions,
// so they can be tried with hostile input directly.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type {
  OAuthClientInformationContext,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client'
import { LegFailed, leg, ok, say, showUrl, warn } from './narrate.ts'

/** What the callback must carry: the state we sent, and the issuer we started with (RFC 9207). */
export interface ExpectedCallback {
  state: string
  /** the `issuer` of the authorization server's metadata */
  issuer: string | undefined
  /** its `authorization_response_iss_parameter_supported`: iss must then be present */
  issAdvertised: boolean
}

// #region exercise: state-and-iss
/**
 * The browser is back. Before trusting the code: the state must be ours (CSRF, OAuth 2.1 §7.12)
 * and iss must name the authorization server we started with (mix-up, RFC 9207 §2.4).
 */
export function checkCallback(params: URLSearchParams, expected: ExpectedCallback): void {
  if (params.get('state') !== expected.state) throw new LegFailed('state does not match: refusing the response (CSRF)')
  const iss = params.get('iss')
  if (iss === null && expected.issAdvertised) throw new LegFailed('no iss although the server advertises it (RFC 9207 §2.4)')
  if (iss !== null && iss !== expected.issuer) {
    throw new LegFailed(`iss ${iss} is not ${expected.issuer}: a mix-up, refusing the code (RFC 9207 §2.4)`)
  }
}
// #endregion

// #region exercise: step-up
/** How many times one operation may send the user back to sign in for more scope. */
export const STEP_UP_LIMIT = 1

/**
 * MCP step-up: ask for the union of what we hold and what the challenge names (asking for the
 * challenge's scope alone would lose the scopes we had); undefined once this operation has stepped
 * up STEP_UP_LIMIT times, so a server that keeps refusing cannot send the user round forever.
 */
export function stepUpScope(held: string | undefined, challenge: string, attempts: number): string | undefined {
  if (attempts >= STEP_UP_LIMIT) return undefined
  return [...new Set([...(held ?? '').split(' '), ...challenge.split(' ')])].filter(Boolean).join(' ')
}
// #endregion

interface IssuerRecord {
  client?: StoredOAuthClientInformation
  tokens?: StoredOAuthTokens
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
  /** the https URL of our client ID metadata document: MCP's second choice, used when the server supports it */
  clientMetadataUrl?: string
}

export class WorkshopClientProvider implements OAuthClientProvider {
  readonly redirectUrl: string
  readonly clientMetadataUrl: string | undefined
  private issuer: string | undefined
  private discovery: OAuthDiscoveryState | undefined
  private verifier = ''
  private expectedState = ''
  /** the step-up under way: what we would ask for, and how many times this operation stepped up */
  private stepUp: { scope: string | undefined; attempts: number } | undefined
  /** the callback of the last authorization, checked by takeAuthorizationCode() */
  private callback: URL | undefined
  private announced = false
  /** set once the retry limit stopped a step-up */
  stepUpRefused = false

  constructor(private options: ProviderOptions) {
    this.redirectUrl = options.redirectUrl
    this.clientMetadataUrl = options.clientMetadataUrl
  }

  get clientMetadata(): OAuthClientMetadata {
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

  // --- credentials, per issuer (the SDK names the issuer in ctx) -----------------------------

  private read(): Record<string, IssuerRecord> {
    try {
      return JSON.parse(readFileSync(this.options.file, 'utf8'))
    } catch {
      return {}
    }
  }

  private record(issuer = this.issuer): IssuerRecord {
    return issuer ? (this.read()[issuer] ?? {}) : {}
  }

  private update(change: IssuerRecord, issuer = this.issuer): void {
    if (!issuer) throw new LegFailed('credentials arrived before discovery named an issuer')
    const all = this.read()
    all[issuer] = { ...all[issuer], ...change }
    mkdirSync(dirname(this.options.file), { recursive: true })
    writeFileSync(this.options.file, JSON.stringify(all, null, 2), { mode: 0o600 })
  }

  clientInformation(ctx?: OAuthClientInformationContext): StoredOAuthClientInformation | undefined {
    if (this.options.preRegistered) return this.options.preRegistered
    const issuer = ctx?.issuer ?? this.issuer
    const client = this.record(issuer).client
    if (client && !this.announced) ok(`registered earlier with ${issuer}: client_id ${client.client_id}, kept in ${this.options.file}`)
    this.announced = true
    return client
  }

  saveClientInformation(client: StoredOAuthClientInformation, ctx?: OAuthClientInformationContext): void {
    this.announced = true
    if (client.client_id === this.clientMetadataUrl) ok(`client_id=${client.client_id}: our metadata document, nothing to register`)
    this.update({ client }, ctx?.issuer)
  }

  tokens(ctx?: OAuthClientInformationContext): StoredOAuthTokens | undefined {
    const { tokens, username } = this.record(ctx?.issuer)
    return username === this.options.username ? tokens : undefined
  }

  saveTokens(tokens: StoredOAuthTokens, ctx?: OAuthClientInformationContext): void {
    if (ctx?.issuer) this.issuer = ctx.issuer
    this.update({ tokens, username: this.options.username })
  }

  /** Put back earlier tokens (after a step-up, the everyday grant); the registration stays. */
  replaceTokens(tokens: StoredOAuthTokens | undefined): void {
    this.update({ tokens, username: this.options.username })
  }

  currentTokens(): StoredOAuthTokens | undefined {
    return this.tokens()
  }

  // The SDK asks for these around discovery; remembering them for one run saves refetching
  // metadata on every auth() call. The issuer is what our credentials are filed under.
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state
    this.issuer = state.authorizationServerMetadata?.issuer ?? String(state.authorizationServerUrl)
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

  /** A 403 insufficient_scope went by: what we would ask for now (undefined: the retry limit is reached). */
  beginStepUp(challengeScope: string): void {
    const attempts = (this.stepUp?.attempts ?? -1) + 1
    this.stepUp = { scope: stepUpScope(this.currentTokens()?.scope, challengeScope, attempts), attempts }
  }

  /** The operation that needed more scope is over: the next one starts counting afresh. */
  endStepUp(): void {
    this.stepUp = undefined
    this.stepUpRefused = false
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const params = authorizationUrl.searchParams
    if (this.stepUp) {
      if (this.stepUp.scope === undefined) {
        this.stepUpRefused = true
        throw new LegFailed(`still refused after ${STEP_UP_LIMIT} step-up: the retry limit is reached, not asking the user again`)
      }
      // SDK 2 computes the union itself (computeScopeUnion); ours says what it must be.
      const asked = new Set(params.get('scope')?.split(' '))
      const union = this.stepUp.scope.split(' ')
      if (union.every((scope) => asked.has(scope))) ok(`the SDK asks for the union, as our stepUpScope does: "${this.stepUp.scope}"`)
      else warn(`the SDK asks for "${params.get('scope')}", not the union "${this.stepUp.scope}"`)
    }
    leg({ title: 'The authorization request', soft: false, spec: 'OAuth 2.1 §4.1.1, RFC 7636 §4.3, RFC 8707 §2.1' })
    say(
      `PKCE: code_verifier kept here (${this.verifier.length} chars), ` +
        `code_challenge=${params.get('code_challenge')} (${params.get('code_challenge_method')})`,
    )
    say(`scope="${params.get('scope') ?? ''}"  resource=${params.get('resource')}  state=${params.get('state')}`)
    leg({ title: 'Login and consent', soft: false, spec: 'OAuth 2.1 §4.1.1, MCP security best practices §Consent' })
    this.callback = await this.options.userAgent(authorizationUrl)
  }

  /** The callback, checked (checkCallback), for the SDK's finishAuth(), which checks iss once more before redeeming the code. */
  takeAuthorizationCode(): URLSearchParams {
    leg({ title: 'The code and its iss', soft: false, spec: 'RFC 9207 §2.4, OAuth 2.1 §4.1.2, §7.12' })
    const callback = this.callback
    this.callback = undefined
    if (!callback) throw new LegFailed('the user agent did not come back')
    say(showUrl(callback))
    const params = callback.searchParams
    const metadata = this.issuerMetadata()
    const issAdvertised = metadata?.authorization_response_iss_parameter_supported === true
    checkCallback(params, { state: this.expectedState, issuer: metadata?.issuer, issAdvertised })
    ok('state matches the one we sent')
    ok(params.has('iss') ? `iss ${params.get('iss')} is the authorization server we asked` : 'no iss, and the server does not advertise it')
    const error = params.get('error')
    if (error) throw new LegFailed(`the authorization server said ${error}: ${params.get('error_description') ?? ''}`)
    if (!params.get('code')) throw new LegFailed('no code in the callback')
    return params
  }
}
