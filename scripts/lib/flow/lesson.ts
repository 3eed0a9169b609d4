// The page's lesson and practice views: the lab's README, its diff against its base lab file by file
// (and part by part for lab 5), and in practice mode each exercise's state, hints and solution diff.
import { readFileSync } from 'node:fs'
import { partsOf } from '@workshop/kit/exercises'
import { type Lab, baseLab, labPath } from '@workshop/kit/labs'
import { exerciseState } from '@workshop/kit/practice'
import { diffLabs } from '../diff.ts'
import { type Practice, solutionDiff } from '../practice-mode.ts'

export interface LessonSource {
  lab: Lab
  practice?: Practice
}

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '')

export async function lesson({ lab }: LessonSource) {
  const base = baseLab(lab)
  const readme = readFileSync(labPath(lab, 'README.md'), 'utf8')
  const files = base ? (await diffLabs(base, lab, { all: true })).files : []
  return {
    readme,
    base: base?.n,
    files: files.map((f) => ({ file: f.file, change: f.change, patch: plain(f.patch) })),
    parts: partsOf(lab).map((p) => ({ part: p.part, title: p.title, files: p.files })),
  }
}

export async function practiceState({ lab, practice }: LessonSource) {
  if (!practice) return { practice: false, exercises: [] }
  const exercises = []
  for (const e of practice.exercises) {
    exercises.push({
      name: e.name,
      file: e.file,
      task: e.task,
      hints: e.hints,
      checks: e.checks,
      state: exerciseState(lab, e, practice.dir),
      solution: plain(await solutionDiff(lab, practice, e)),
    })
  }
  return { practice: true, exercises }
}
