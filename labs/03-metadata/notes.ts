// The notes domain: three tools, a resource and a prompt. Every later lab protects these.
import { McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod/v4'

const MAX_NOTES = 100
const notesByOwner = new Map<string, string[]>()

/** Who is calling: the owner of the notes, and what their credentials allow. */
export interface Caller {
  sub: string
  scopes: string[]
}

function render(notes: string[]): string {
  return notes.length === 0 ? '(no notes yet)' : notes.map((note, i) => `${i + 1}. ${note}`).join('\n')
}

/** A fresh MCP server whose tools see only the caller's notes. */
export function notesServer(caller: Caller): McpServer {
  const server = new McpServer(
    { name: 'notes', version: '1.0.0' },
    // MCP 2026-07-28 caching: how long a client may reuse a result, and who may share it. The tool list is
    // the same for every caller, so any cache may keep it (defaults to 0 ms, private).
    { cacheHints: { 'tools/list': { ttlMs: 60_000, cacheScope: 'public' } } },
  )
  const owner = caller.sub
  const notes = () => notesByOwner.get(owner) ?? []
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] })

  server.registerTool(
    'read_notes',
    { title: 'Read notes', description: 'List your notes.', annotations: { readOnlyHint: true } },
    async () => text(`Notes of ${owner} (scopes: ${caller.scopes.join(' ') || 'none'}):\n${render(notes())}`),
  )

  server.registerTool(
    'add_note',
    {
      title: 'Add a note',
      description: 'Add a note to your list.',
      inputSchema: z.object({ text: z.string().trim().min(1).max(500) }),
    },
    async ({ text: note }) => {
      const list = notes()
      if (list.length >= MAX_NOTES) return { ...text(`You already have ${MAX_NOTES} notes.`), isError: true }
      notesByOwner.set(owner, [...list, note])
      return text(`Added note ${list.length + 1}.`)
    },
  )

  server.registerTool(
    'purge_notes',
    { title: 'Purge notes', description: 'Delete all your notes.', annotations: { destructiveHint: true } },
    async () => {
      const count = notes().length
      notesByOwner.delete(owner)
      return text(`Purged ${count} note(s).`)
    },
  )

  server.registerResource(
    'notes',
    'notes://mine',
    {
      title: 'My notes',
      description: 'Your notes as a list.',
      mimeType: 'text/plain',
      // The caller's own notes: private. A shared cache that kept them would hand alice's notes to bob,
      // so a private result is never shared across callers (MCP 2026-07-28 caching; defaults to private).
      cacheHint: { ttlMs: 0, cacheScope: 'private' },
    },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: render(notes()) }] }),
  )

  server.registerPrompt(
    'summarise_notes',
    { title: 'Summarise my notes', description: 'Ask the model for a summary of your notes.' },
    () => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Summarise these notes in two sentences:\n${render(notes())}` } }],
    }),
  )

  return server
}
