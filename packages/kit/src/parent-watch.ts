// Loaded first into every process the workshop starts (lab-process.ts), never part of a lesson: when the
// process that started it is gone without stopping it (a test worker ended, a runner killed with SIGKILL),
// the process stops too, as if its runner had sent SIGTERM, instead of holding its port for good.
const parent = process.ppid

setInterval(() => {
  // an orphan is adopted by init or a subreaper: its parent id changes
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM')
}, 1000).unref()
