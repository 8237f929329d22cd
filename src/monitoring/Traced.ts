import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"

/**
 * `f(effect)` when a tracer is on, else `effect` as it is: without a trace receiver the
 * run switches the tracer off, and a span per AWS call and per probe would still cost a
 * span object and a copy of the fiber's references each.
 */
export const whenTraced = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  f: (effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(FiberRef.currentTracerEnabled), (on) => (on ? f(effect) : effect))
