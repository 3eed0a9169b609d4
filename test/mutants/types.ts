// A mutant: a wrong answer a learner plausibly writes for an exercise, as one edit to the lab's code
// inside that exercise's region (`// #region exercise: NAME`). test/mutants.test.ts applies each to a
// copy of the lab and proves that at least one of the exercise's checks fails on it.
export interface Mutant {
  lab: number
  /** the exercise whose region the edit lies in (packages/kit/src/exercises.ts) */
  exercise: string
  /** what the learner got wrong, in a few words */
  name: string
  /** the file, relative to the lab's folder */
  file: string
  /** text that occurs exactly once in the file, inside the exercise's region */
  find: string
  replace: string
  /**
   * The check of the exercise that fails on it: the proof, run alone (a whole lab's checks take minutes). Without
   * it, the exercise's checks run until one fails.
   */
  caughtBy?: string
}
