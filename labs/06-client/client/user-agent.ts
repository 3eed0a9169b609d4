// The browser leg. A scripted person does what you would do: open the authorization URL, sign in,
// approve on the consent page, and follow redirects until the authorization server sends the browser
// back to the client's redirect URI. No back doors: it sees only what a browser sees. The person is the
// workshop's (@workshop/kit/user-agent); what is the client's is here: narrating each page.
// (--browser hands the same URL to your real browser instead.)
import { chalk } from 'zx'
import { type Credentials, BrowserError, signInAndApprove } from '@workshop/kit/user-agent'
import { LegFailed, say, showUrl } from './narrate.ts'

/** Walks the authorization server's pages as `user`; resolves with the callback URL (code, state, iss). */
export async function scriptedUserAgent(authorizationUrl: URL, user: Credentials, redirectUri: string): Promise<URL> {
  say(`${chalk.blue('⇢')} GET ${showUrl(authorizationUrl)}`)
  try {
    const { callback } = await signInAndApprove(authorizationUrl.href, user, redirectUri, {
      onPage(kind) {
        if (kind === 'sign-in') say(`  log in as ${chalk.bold(user.username)}`)
        if (kind === 'consent') say(`  consent: ${chalk.bold('approve')}`)
      },
    })
    say(`${chalk.blue('⇠')} back to the client: ${showUrl(callback)}`)
    return callback
  } catch (error) {
    if (error instanceof BrowserError) throw new LegFailed(error.message)
    throw error
  }
}
