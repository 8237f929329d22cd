import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type { LookupFn } from "./HostLookup.js"
import { fetchWith } from "./Post.js"
import type { Problems } from "./Problems.js"
import type { TraceSettings } from "./Settings.js"

export interface Tracing {
  /** Runs `self` with the OTLP tracer, its root spans children of `TRACEPARENT`'s span when set. */
  readonly traced: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Exports the spans still buffered, giving up after `budget`. */
  readonly flush: (budget: Duration.Duration) => Effect.Effect<void>
}

/** The innermost cause's message: `connect ECONNREFUSED 127.0.0.1:4318`, not `Transport error (POST ...)`. */
const rootMessage = (error: unknown): string => {
  let current: unknown = error
  let message = "unknown error"
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    if ("message" in current && typeof current.message === "string" && current.message !== "") message = current.message
    current = "cause" in current ? current.cause : undefined
  }
  return message
}

/**
 * One trace per run, over OTLP/HTTP (protobuf or JSON) with @effect/opentelemetry's own
 * exporter: Effect's spans (the programs' `Effect.withSpan` and the journal's phase
 * spans) go straight to the collector, without the OpenTelemetry SDK. The exporter
 * sends every 5 s and at the end; it drops what a collector refuses and says nothing,
 * so its HTTP client notes each answer here. Its requests go over node:http(s) with the
 * receivers' own host lookup (see HostLookup), not the global fetch.
 */
export const makeTracing = (
  settings: TraceSettings,
  version: string,
  problems: Problems,
  lookup: LookupFn
): Effect.Effect<Tracing, never, Scope.Scope> =>
  Effect.gen(function*() {
    const receiver = `the OTLP collector at ${settings.url}`
    // A collector that cannot be reached at the last export: its retries (1 s apart) would only use up the budget.
    const flushing = yield* Ref.make(false)
    const unreachable = yield* Deferred.make<void>()
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.tap((response) =>
        response.status >= 200 && response.status < 300
          ? problems.clear(receiver)
          : problems.note(receiver, `HTTP ${response.status}`)
      ),
      HttpClient.tapError((error) =>
        problems.note(receiver, rootMessage(error)).pipe(
          Effect.zipRight(
            Effect.flatMap(Ref.get(flushing), (last) => (last ? Deferred.succeed(unreachable, undefined) : Effect.void))
          )
        )
      )
    )
    // The exporter's last send runs when this scope closes: at the flush, within its budget.
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const tracer = yield* OtlpTracer.make({
      url: settings.url,
      headers: settings.headers,
      resource: { serviceName: settings.serviceName, serviceVersion: version, attributes: settings.resourceAttributes },
      exportInterval: Duration.seconds(5),
      shutdownTimeout: Duration.seconds(2)
    }).pipe(
      Scope.extend(scope),
      Effect.provideService(HttpClient.HttpClient, client),
      Effect.provide(settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
      // The resource is what gehen read from its environment, not what the exporter would read from process.env.
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
    )
    const parent = Option.fromNullable(settings.parent).pipe(
      Option.map((p) => Tracer.externalSpan({ traceId: p.traceId, spanId: p.spanId, sampled: p.sampled }))
    )
    const tracing: Tracing = {
      traced: (self) =>
        (Option.isSome(parent) ? Effect.withParentSpan(self, parent.value) : self).pipe(Effect.withTracer(tracer)),
      flush: (budget) =>
        Ref.set(flushing, true).pipe(
          Effect.zipRight(Scope.close(scope, Exit.void).pipe(Effect.raceFirst(Deferred.await(unreachable)))),
          // Closing a scope is uninterruptible: disconnected, the budget ends the wait on
          // time and the last export goes on in the background until the exit.
          Effect.disconnect,
          Effect.timeoutOption(budget),
          Effect.flatMap((done) =>
            Option.isSome(done)
              ? Effect.void
              : problems.note(receiver, `spans not exported within ${Duration.toMillis(budget) / 1000} s`)
          )
        )
    }
    return tracing
  }).pipe(
    Effect.provide(FetchHttpClient.layer),
    Effect.provideService(FetchHttpClient.Fetch, fetchWith(lookup))
  )
