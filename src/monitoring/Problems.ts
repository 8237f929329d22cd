import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"

/**
 * What went wrong reaching the receivers (an agent, a DSN or a collector that does not
 * answer), the latest problem per receiver; a later delivery clears it. Never an error
 * of the run: said in one line on stderr at the end.
 */
export interface Problems {
  readonly note: (receiver: string, problem: string) => Effect.Effect<void>
  readonly clear: (receiver: string) => Effect.Effect<void>
  /** For the receivers' own callbacks (a socket's error, a transport's promise), outside any fiber. */
  readonly unsafeNote: (receiver: string, problem: string) => void
  readonly unsafeClear: (receiver: string) => void
  /** The one line for stderr, or undefined when every receiver got what it was sent. */
  readonly line: Effect.Effect<string | undefined>
}

export const makeProblems: Effect.Effect<Problems> = Effect.map(
  Ref.make<ReadonlyMap<string, string>>(new Map()),
  (ref) => {
    const note = (receiver: string, problem: string) => Ref.update(ref, (m) => new Map(m).set(receiver, problem))
    const clear = (receiver: string) =>
      Ref.update(ref, (m) => {
        if (!m.has(receiver)) return m
        const next = new Map(m)
        next.delete(receiver)
        return next
      })
    return {
      note,
      clear,
      unsafeNote: (receiver, problem) => Effect.runSync(note(receiver, problem)),
      unsafeClear: (receiver) => Effect.runSync(clear(receiver)),
      line: Effect.map(Ref.get(ref), (m) =>
        m.size === 0
          ? undefined
          : `gehen: monitoring (the deploy is not affected): ${[...m].map(([r, p]) => `${r}: ${p}`).join("; ")}`)
    }
  }
)
