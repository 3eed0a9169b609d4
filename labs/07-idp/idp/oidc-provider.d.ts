// oidc-provider ships no type declarations: these cover exactly what this lab uses.
// The full configuration reference: https://github.com/panva/node-oidc-provider/blob/main/docs/README.md
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export interface Interaction {
    uid: string
    prompt: { name: 'login' | 'consent' | string; reasons: string[]; details: Record<string, unknown> }
    params: Record<string, unknown>
    session?: { accountId: string }
    grantId?: string
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    rejectOIDCScope(scope: string): void
    addResourceScope(resource: string, scope: string): void
    rejectResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }

  export interface Client {
    clientId: string
    clientName?: string
    clientAuthMethod: string
    redirectUris: string[]
    grantTypeAllowed(grantType: string): boolean
  }

  export interface Account {
    accountId: string
    claims(): Promise<{ sub: string; [claim: string]: unknown }>
  }

  /** the result of an interaction: who logged in, what was consented to, or why not */
  export type InteractionResult =
    { login: { accountId: string } } | { consent: { grantId: string } } | { error: string; error_description?: string }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>)
    readonly issuer: string
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>
    on(event: string, listener: (...args: any[]) => void): this
    readonly Grant: { new (properties: { accountId: string; clientId: string }): Grant; find(id: string): Promise<Grant | undefined> }
    readonly Client: { find(id: string): Promise<Client | undefined> }
  }

  class OIDCProviderError extends Error {
    constructor(description?: string)
    error: string
    error_description?: string
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError
    InvalidTarget: typeof OIDCProviderError
    InvalidClient: typeof OIDCProviderError
    InvalidRedirectUri: typeof OIDCProviderError
    SessionNotFound: typeof OIDCProviderError
  }

  export default Provider
}
