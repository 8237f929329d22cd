import { describe, expect, it } from "vitest"
import { makeBatchedWriter } from "../../src/cli/StderrBatch.js"

describe("progress to stderr, batched per turn of the event loop", () => {
  it("what is written in one turn goes out in one write, in order, at the turn's end", () => {
    const written: Array<string> = []
    const later: Array<() => void> = []
    const w = makeBatchedWriter((t) => void written.push(t), (f) => void later.push(f))
    w.write("a\n")
    w.write("b\n")
    expect(written).toEqual([])
    expect(later).toHaveLength(1)
    later[0]!()
    expect(written).toEqual(["a\nb\n"])
    w.write("c\n")
    expect(later).toHaveLength(2)
  })

  it("flush writes what is pending at once (before a summary, at exit); past 64 KB it goes out without waiting", () => {
    const written: Array<string> = []
    const w = makeBatchedWriter((t) => void written.push(t), () => {})
    w.write("x\n")
    w.flush()
    w.flush()
    expect(written).toEqual(["x\n"])
    w.write("y".repeat(70_000))
    expect(written).toHaveLength(2)
  })
})
