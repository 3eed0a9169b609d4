// The flow page's cost, for part 1 of the bench: a lab recorded for a flow page (scripts/lib/flow) with
// nobody watching, and one with a viewer reading the page's event stream and parsing each exchange as the
// page does. Recording is the kit's preload (flow-recorder.ts): the lab's own code is the same.
import { type FlowServer, startFlowServer } from '../flow/server.ts'
import { type Lab } from '@workshop/kit/labs'

export interface Watched {
  flow: FlowServer
  /** exchanges the viewer has read so far */
  seen: () => number
  stop: () => Promise<void>
}

/** A flow page for `lab` (its env turns recording on), with a viewer on its event stream when `viewer` is true. */
export async function flowPage(lab: Lab, viewer: boolean): Promise<Watched> {
  const flow = await startFlowServer({ lab, base: () => '' })
  let seen = 0
  const controller = new AbortController()
  if (viewer) {
    const response = await fetch(`${flow.url}events`, { signal: controller.signal })
    void (async () => {
      let buffer = ''
      const decoder = new TextDecoder()
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = /^data: (.*)$/m.exec(frame)?.[1]
          if (data && frame.startsWith('event: exchange')) {
            JSON.parse(data)
            seen++
          }
        }
      }
    })().catch(() => {})
  }
  return {
    flow,
    seen: () => seen,
    stop: async () => {
      controller.abort()
      await flow.close()
    },
  }
}
