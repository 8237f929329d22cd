/**
 * Progress to stderr, batched per turn of the event loop: a large fleet's progress is
 * thousands of lines, and each write to a pipe is a system call of its own. What is
 * written in one turn goes out together at its end (or at once past 64 KB), in order.
 */
export interface BatchedWriter {
  readonly write: (chunk: string) => void
  /** Writes what is pending now: before anything is written past the batch, and at exit. */
  readonly flush: () => void
}

const MAX_PENDING = 64 * 1024

export const makeBatchedWriter = (
  write: (text: string) => void,
  later: (f: () => void) => void = (f) => void setImmediate(f)
): BatchedWriter => {
  let pending: Array<string> = []
  let size = 0
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const text = pending.join("")
    pending = []
    size = 0
    write(text)
  }
  return {
    write: (chunk) => {
      pending.push(chunk)
      size += chunk.length
      if (size >= MAX_PENDING) flush()
      else if (!scheduled) {
        scheduled = true
        later(flush)
      }
    },
    flush
  }
}
