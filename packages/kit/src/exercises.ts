// The exercises of practice mode (`npm run practice N`): for each, the region of the lab's code it
// takes out (`// #region exercise: NAME` … `// #endregion`), the task in one sentence, hints from the
// spec outward, the stub that stands in its place (it compiles and fails closed), and the checks that
// grade it: with the exercise stubbed, some of these fail, and every other check of the lab passes
// (test/practice.test.ts proves both for every exercise).
import { type Lab } from './labs.ts'

export interface Exercise {
  lab: number
  name: string
  /** the file that holds the region, relative to the lab's folder */
  file: string
  /** lab 5 is taken in parts (its README); `npm run check 5 -- --part N` */
  part?: number
  /** what to write, in one sentence */
  task: string
  /** the first names the spec section; each next one says more */
  hints: string[]
  /** what stands in the region until the learner writes it: compiles, and refuses */
  stub: string
  /** the ids of the checks this exercise makes pass */
  checks: string[]
}

export const EXERCISES: readonly Exercise[] = []

export function exercisesOf(lab: Lab): Exercise[] {
  return EXERCISES.filter((exercise) => exercise.lab === lab.n)
}

/** The exercises a failing check belongs to (a check may need more than one). */
export function exercisesOfCheck(lab: Lab, checkId: string): Exercise[] {
  return exercisesOf(lab).filter((exercise) => exercise.checks.includes(checkId))
}
