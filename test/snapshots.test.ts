// Copies stay in step: in every lab, each file its README's "Files changed" table does not list is
// byte-identical to its base lab's copy, and each file it lists differs (see MAINTAINING.md).
import { describe, expect, it } from 'vitest'
import { LABS, baseLab } from '@workshop/kit/labs'
import { filesChanged, snapshotProblems } from '@workshop/kit/snapshots'

describe('labs are snapshots of their base lab, changed only where their README says', () => {
  it.each(LABS.filter((lab) => baseLab(lab) !== undefined).map((lab) => [lab.n, baseLab(lab)!.n, lab] as const))(
    'lab %i against lab %i',
    (_n, _base, lab) => {
      expect(snapshotProblems(lab)).toEqual([])
    },
  )

  it('reads the first table under "Files changed": files, several in a cell, folders', () => {
    const readme = [
      '## Files changed',
      '',
      '| file | change |',
      '|---|---|',
      '| `server.ts` | serves the key set |',
      '| `scopes.ts`, `check.ts` | two files |',
      '| `oauth/` | a folder |',
      '',
      '| file | what it does |',
      '|---|---|',
      '| `index.ts` | a second table: not part of the list |',
      '## Next',
    ].join('\n')
    expect(filesChanged(readme)).toEqual(['server.ts', 'scopes.ts', 'check.ts', 'oauth/'])
  })
})
