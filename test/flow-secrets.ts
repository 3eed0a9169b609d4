// Preloaded by test/flow-page.test.ts into lab 6's walk, after the recorder: it writes every request and
// response the walk's fetch carries, unmasked, to FLOW_TEST_SECRETS, so that the test knows each token,
// code, verifier and secret the walk used, and can search the page for them.
import { appendFileSync } from 'node:fs'

const file = process.env.FLOW_TEST_SECRETS
const original = globalThis.fetch
if (file) {
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : ''
    const response = await original(input, init)
    // an event stream may stay open: what a walk's secrets travel in is JSON and forms
    const text = /event-stream/.test(response.headers.get('content-type') ?? '') ? '' : await response.clone().text()
    appendFileSync(file, `${JSON.stringify({ authorization: headers.get('authorization'), body, response: text })}\n`)
    return response
  }
}
