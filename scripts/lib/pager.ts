// Long output (a diff, the whole guide) in a terminal: through the learner's $PAGER, or `less -R`, as git
// does, so that it never scrolls the start of a screen away. PAGER= (empty) or PAGER=cat turns it off.
import { spawn, spawnSync } from 'node:child_process'

export interface Pager {
  command: string
  args: string[]
}

/** The pager to use, or undefined for none (not a terminal, PAGER empty or cat, Windows). */
export function pager(env: NodeJS.ProcessEnv = process.env, isTTY = process.stdout.isTTY === true): Pager | undefined {
  if (!isTTY || process.platform === 'win32') return undefined
  const chosen = env.PAGER?.trim()
  if (chosen === '' || chosen === 'cat') return undefined
  // $PAGER is a shell command line ("less -S", "most"); -F: less quits at once when the text fits one screen
  return chosen === undefined ? { command: 'less', args: ['-R', '-F'] } : { command: 'sh', args: ['-c', chosen] }
}

/** Pages `text` and resolves with true once the pager exits; false when no pager could run (print it instead). */
export function page(text: string, chosen = pager()): Promise<boolean> {
  if (chosen === undefined) return Promise.resolve(false)
  return new Promise((resolve) => {
    const child = spawn(chosen.command, chosen.args, { stdio: ['pipe', 'inherit', 'inherit'] })
    // Ctrl-C reaches the pager and us alike: it is the pager's to handle (less stays open)
    const ignore = () => {}
    process.on('SIGINT', ignore)
    child.stdin.on('error', () => {}) // the learner quit before the end: EPIPE is expected
    child.once('error', () => {
      process.off('SIGINT', ignore)
      resolve(false) // not installed
    })
    child.once('exit', (code) => {
      process.off('SIGINT', ignore)
      resolve(code !== 127) // 127: the shell could not find $PAGER's command
    })
    child.stdin.end(text)
  })
}

/**
 * The same, blocking: for the guide, whose keyboard reader would otherwise take keys meant for the pager.
 * While it runs, nothing else in this process does (the lab's log lines wait in their pipes).
 */
export function pageSync(text: string, chosen = pager()): boolean {
  if (chosen === undefined) return false
  const result = spawnSync(chosen.command, chosen.args, { input: text, stdio: ['pipe', 'inherit', 'inherit'] })
  return result.error === undefined && result.status !== 127
}
