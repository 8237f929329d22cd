import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type { ProgressEvent } from "../ports/Progress.js"
import {
  eventsOfReport,
  metricsOfReport,
  type OpenChecks,
  type RunPhase,
  type StatsdEvent,
  type StatsdMetric,
  stepOf,
  type TagContext,
  targetEvent
} from "./DatadogEvents.js"
import type { Address } from "./HostLookup.js"
import type { Problems } from "./Problems.js"
import { labelOf, type RunSummary, targetsOf } from "./RunSummary.js"
import type { DatadogSettings } from "./Settings.js"
import type { Sink } from "./Sink.js"
import type { TaskLabels } from "./TaskLabels.js"

/**
 * DogStatsD to the Datadog agent over UDP with hot-shots, one datagram per event or
 * metric (unbuffered, as the original sent them). UDP cannot tell an agent that is down;
 * a host that does not resolve, or a send the socket refuses, is noted as a problem.
 *
 * The agent's host is looked up by `resolve` (see HostLookup: never on the thread pool
 * the exit waits for); hot-shots gets the address, and what is sent before it is known
 * waits for it. hot-shots' own close says "could not clear out messages in
 * flight" on stderr when a send is still pending, so it is closed only once every send
 * has called back; at the end of the budget it is left to the exit instead.
 */
export const makeDatadog = (
  settings: DatadogSettings,
  gitsha: string,
  labels: TaskLabels,
  problems: Problems,
  resolve: (host: string) => Promise<ReadonlyArray<Address>>
): Effect.Effect<Sink> =>
  Effect.gen(function*() {
    const { default: StatsD } = yield* Effect.promise(() => import("hot-shots"))
    const receiver = `the Datadog agent at ${settings.host}:${settings.port}`
    // hot-shots calls back with null on success; a throw here would reach the process, so none can.
    const failed = (error: unknown) => {
      if (!error) return
      const message = error instanceof Error ? error.message : String(error)
      // "Error sending hot-shots message: Error: getaddrinfo ENOTFOUND agent": the cause is the news.
      problems.unsafeNote(receiver, message.replace(/^(?:[^:]*hot-shots[^:]*: )?(?:Error: )?/, ""))
    }
    type Client = InstanceType<typeof StatsD>
    // One client per address the host resolves to (one, unless a failed lookup is tried again).
    let client: { readonly address: string; readonly statsd: Client } | undefined
    const current = (): Promise<Client | undefined> =>
      resolve(settings.host).then(
        (addresses) => {
          const address = addresses[0]!.address
          if (client?.address !== address) {
            client = {
              address,
              statsd: new StatsD({
                host: address,
                port: settings.port,
                protocol: "udp",
                // The tags are gehen's own (the unified ones from the environment gehen read), not the client's guesses.
                includeDataDogTags: false,
                includeDatadogTelemetry: false,
                errorHandler: failed
              })
            }
          }
          return client.statsd
        },
        (error: unknown) => {
          failed(error)
          return undefined
        }
      )

    // Looked up while the run starts, before its first event.
    void current()

    // Sends asked for and not yet called back; `drained` runs once that is none.
    let inFlight = 0
    let drained: (() => void) | undefined
    const settle = (error?: unknown) => {
      failed(error)
      if (--inFlight === 0 && drained !== undefined) drained()
    }
    const sending = (send: (c: Client, done: (error?: Error | null) => void) => void) =>
      Effect.sync(() => {
        inFlight++
        void current().then((c) => {
          if (c === undefined) return settle()
          try {
            send(c, settle)
          } catch (e) {
            settle(e)
          }
        })
      })

    const ctx: TagContext = { gitsha, unifiedTags: settings.unifiedTags }
    const planStartedAt = yield* Ref.make<Option.Option<number>>(Option.none())
    const runPhases = yield* Ref.make<ReadonlyArray<RunPhase>>([])
    const reported = yield* Ref.make(false)
    const openChecks = yield* Ref.make<OpenChecks>(new Set())

    const sendEvent = (e: StatsdEvent) =>
      sending((c, done) =>
        c.event(e.title, e.text, e.alertType === undefined ? {} : { alert_type: e.alertType }, [...e.tags], done)
      )
    const sendMetric = (m: StatsdMetric) =>
      sending((c, done) =>
        m.type === "distribution"
          ? c.distribution(m.name, m.value, 1, [...m.tags], done)
          : c.increment(m.name, m.value, 1, [...m.tags], done)
      )

    /** The plan is the run's own phase: its duration comes from the progress, not the report. */
    const runPhase = (event: ProgressEvent) =>
      event.status === "started"
        ? Ref.set(planStartedAt, Option.some(event.at))
        : event.status === "succeeded" || event.status === "failed"
        ? Effect.flatMap(Ref.get(planStartedAt), (start) =>
          Option.isNone(start)
            ? Effect.void
            : Ref.update(
              runPhases,
              (ps) => [...ps, { phase: event.phase, status: event.status, seconds: (event.at - start.value) / 1000 }]
            ))
        : Effect.void

    const progress = (event: ProgressEvent): Effect.Effect<void> => {
      const target = event.target
      if (target === undefined) return runPhase(event)
      return Effect.flatMap(
        Ref.modify(openChecks, (open) => {
          const step = stepOf(open, event)
          return [step.title, step.open]
        }),
        (title) =>
          title === undefined
            ? Effect.void
            : Effect.flatMap(labels.tagsOf(target), (tags) => sendEvent(targetEvent(title, target, tags, ctx)))
      )
    }

    const report = (summary: RunSummary) =>
      Effect.gen(function*() {
        yield* Ref.set(reported, true)
        const byLabel = new Map<string, ReadonlyArray<string>>()
        for (const t of targetsOf(summary)) {
          byLabel.set(labelOf(t), yield* labels.tagsOf(t, t.newTaskDefinition ?? t.previousTaskDefinition))
        }
        for (
          const e of eventsOfReport(summary, (t) => byLabel.get(labelOf(t)) ?? [], ctx)
        ) yield* sendEvent(e)
        for (const m of metricsOfReport(summary, yield* Ref.get(runPhases), ctx)) yield* sendMetric(m)
      })

    // A run that died before its report still shows on the dashboards as failed.
    const defect = (cause: Cause.Cause<unknown>) =>
      Effect.flatMap(Ref.get(reported), (done) =>
        done ? Effect.void : sendEvent({
          title: "gehen.deploys.failed",
          text: `Gehen stopped on an unexpected error while deploying ${gitsha}: ${
            (Cause.pretty(cause).split("\n")[0] ?? "").replace(/[^\x20-\x7e]/g, "?")
          }`,
          alertType: "error",
          tags: ["outcome:failed", `gitsha:${gitsha}`, ...settings.unifiedTags]
        }))

    const flush = (budget: Duration.Duration) =>
      Effect.async<void>((resume) => {
        const close = () => {
          if (client === undefined) return resume(Effect.void)
          client.statsd.close((error) => {
            failed(error)
            resume(Effect.void)
          })
        }
        if (inFlight === 0) close()
        else drained = close
      }).pipe(
        Effect.timeoutOption(budget),
        Effect.flatMap((done) =>
          Option.isSome(done)
            ? Effect.void
            : problems.note(receiver, `not every datagram was sent within ${Duration.toMillis(budget) / 1000} s`)
        )
      )

    return { progress, report, defect, flush }
  })
