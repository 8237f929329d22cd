import { applySdkMetadata, createStackParser, createTransport, Scope } from "@sentry/core"
import type { BaseTransportOptions, Transport, TransportMakeRequestResponse, TransportRequest } from "@sentry/core"
import { nodeStackLineParser, ServerRuntimeClient } from "@sentry/core/server"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { gzipSync } from "node:zlib"
import type { LookupFn } from "./HostLookup.js"
import { send } from "./Post.js"
import type { Problems } from "./Problems.js"
import type { RunSummary } from "./RunSummary.js"
import { sentryEventOf } from "./SentryEvent.js"
import type { SentrySettings } from "./Settings.js"
import type { Sink } from "./Sink.js"

/** The DSN's host, to name the receiver without its key. */
const hostOf = (dsn: string): string => {
  try {
    return new URL(dsn).host
  } catch {
    return "the DSN"
  }
}

/** Bodies over this are gzipped, as Sentry's Node transport does. */
const GZIP_THRESHOLD = 32 * 1024

const headerOf = (value: string | Array<string> | undefined): string | null =>
  value === undefined ? null : Array.isArray(value) ? value.join(", ") : value

/**
 * Failed deploys, failed rollbacks and defects to Sentry with Sentry's own core client
 * (`@sentry/core`: the envelopes of its Node SDK, without the instrumentation), loaded
 * only when `SENTRY_DSN` is set. A client of its own on a scope of its own, not a global
 * `init`: no global handlers, no integrations (nothing of the process, its environment,
 * console or modules is collected), only the events made here. Envelopes go out over
 * node:http(s) with the receivers' own host lookup (see HostLookup), and each answer is
 * watched, since the client drops what it cannot send without a word.
 */
export const makeSentry = (
  settings: SentrySettings,
  version: string,
  problems: Problems,
  lookup: LookupFn
): Effect.Effect<Sink> =>
  Effect.sync(() => {
    const receiver = `Sentry at ${hostOf(settings.dsn)}`

    const transport = (options: BaseTransportOptions): Transport =>
      createTransport(options, (request: TransportRequest): PromiseLike<TransportMakeRequestResponse> => {
        const raw = typeof request.body === "string" ? Buffer.from(request.body) : request.body
        const gzip = raw.length > GZIP_THRESHOLD
        return send(options.url, {
          headers: gzip ? { "content-encoding": "gzip" } : {},
          body: gzip ? gzipSync(raw) : raw,
          lookup
        }).then(
          (answer) => {
            if (answer.status < 200 || answer.status >= 300) problems.unsafeNote(receiver, `HTTP ${answer.status}`)
            else problems.unsafeClear(receiver)
            return {
              statusCode: answer.status,
              headers: {
                "retry-after": headerOf(answer.headers["retry-after"]),
                "x-sentry-rate-limits": headerOf(answer.headers["x-sentry-rate-limits"])
              }
            }
          },
          (error: unknown) => {
            problems.unsafeNote(receiver, error instanceof Error ? error.message : String(error))
            throw error
          }
        )
      })

    const options = {
      dsn: settings.dsn,
      release: `gehen@${version}`,
      ...(settings.environment === undefined ? {} : { environment: settings.environment }),
      integrations: [],
      transport,
      stackParser: createStackParser(nodeStackLineParser()),
      sendClientReports: false,
      maxBreadcrumbs: 0,
      platform: "node",
      runtime: { name: "node", version: process.version }
    }
    // The Node SDK's name (the platform Sentry shows), with the package that sends it.
    applySdkMetadata(options, "node", ["core"])
    const client = new ServerRuntimeClient(options)
    const scope = new Scope()
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

    // The client's own close waits for its promise buffer up to the budget; the budget
    // also ends the wait here, whatever the client does.
    const flush = (budget: Duration.Duration) =>
      Effect.promise(() => client.close(Duration.toMillis(budget))).pipe(
        Effect.timeoutOption(budget),
        Effect.flatMap((closed) =>
          Option.getOrElse(closed, () => false)
            ? Effect.void
            : problems.note(receiver, `events not delivered within ${Duration.toMillis(budget) / 1000} s`)
        )
      )

    return { progress: () => Effect.void, report, defect, flush }
  })
