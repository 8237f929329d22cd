import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Problems } from "./Problems.js"
import type { RunSummary } from "./RunSummary.js"
import { sentryEventOf } from "./SentryEvent.js"
import type { SentrySettings } from "./Settings.js"
import type { Sink } from "./Sink.js"

type SentrySdk = typeof import("@sentry/node")

/** The DSN's host, to name the receiver without its key. */
const hostOf = (dsn: string): string => {
  try {
    return new URL(dsn).host
  } catch {
    return "the DSN"
  }
}

/**
 * Failed deploys, failed rollbacks and defects to Sentry with the official SDK, loaded
 * only when `SENTRY_DSN` is set. A client of its own on a scope of its own, not
 * `Sentry.init`: no global handlers, no integrations (nothing of the process, its
 * environment, console or modules is collected), only the events made here.
 */
export const makeSentry = (settings: SentrySettings, version: string, problems: Problems): Effect.Effect<Sink> =>
  Effect.gen(function*() {
    const Sentry: SentrySdk = yield* Effect.promise(() => import("@sentry/node"))
    const receiver = `Sentry at ${hostOf(settings.dsn)}`

    // The SDK drops what it cannot send without a word: watch its transport's answers.
    const transport: SentrySdk["makeNodeTransport"] = (options) => {
      const inner = Sentry.makeNodeTransport(options)
      return {
        ...inner,
        send: (envelope) =>
          inner.send(envelope).then(
            (response) => {
              const status = response.statusCode
              if (status !== undefined && (status < 200 || status >= 300)) problems.unsafeNote(receiver, `HTTP ${status}`)
              else problems.unsafeClear(receiver)
              return response
            },
            (error: unknown) => {
              problems.unsafeNote(receiver, error instanceof Error ? error.message : String(error))
              throw error
            }
          )
      }
    }

    const client = new Sentry.NodeClient({
      dsn: settings.dsn,
      release: `gehen@${version}`,
      ...(settings.environment === undefined ? {} : { environment: settings.environment }),
      integrations: [],
      transport,
      stackParser: Sentry.defaultStackParser,
      sendClientReports: false,
      maxBreadcrumbs: 0
    })
    const scope = new Sentry.Scope()
    scope.setClient(client)
    client.init()

    const report = (summary: RunSummary) =>
      Effect.sync(() => {
        const event = sentryEventOf(summary)
        if (event === undefined) return
        scope.captureEvent({
          message: event.message,
          level: event.level,
          logger: "gehen",
          tags: { ...event.tags },
          contexts: { ...event.contexts },
          fingerprint: [...event.fingerprint]
        })
      })

    const defect = (cause: Cause.Cause<unknown>) =>
      Effect.sync(() => {
        scope.captureException(Cause.squash(cause), {
          captureContext: { level: "fatal", tags: { defect: "true" }, fingerprint: ["gehen", "defect"] }
        })
      })

    const flush = (budget: Duration.Duration) =>
      Effect.promise(() => client.close(Duration.toMillis(budget))).pipe(
        Effect.interruptible,
        Effect.timeoutOption(budget),
        Effect.flatMap((closed) => Effect.succeed(Option.getOrElse(closed, () => false))),
        Effect.flatMap((sent) =>
          sent ? Effect.void : problems.note(receiver, `events not delivered within ${Duration.toMillis(budget) / 1000} s`))
      )

    return { progress: () => Effect.void, report, defect, flush }
  })
