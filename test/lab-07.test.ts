import { labSuite } from './lab-suite.ts'

await labSuite(7)
