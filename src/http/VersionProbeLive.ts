import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { versionOfServer } from "../domain/ServedVersion.js"
import { whenTraced } from "../monitoring/Traced.js"
import { type ProbeFailure, type ProbeResult, VersionProbe } from "../ports/VersionProbe.js"
import { classifyRequestError, noAnswer, probeFailure } from "./ProbeFailure.js"

export { versionOfServer }

export interface VersionProbeOptions {
  /** Longest a whole probe (redirects and body included) may take; 10 s by default. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Most body bytes read (the body only fills in a reason); 1 MiB by default. */
  readonly maxBodyBytes?: number | undefined
  /** Most redirects followed; 10 by default. */
  readonly maxRedirects?: number | undefined
}

const DEFAULT_TIMEOUT = Duration.seconds(10)
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
const DEFAULT_MAX_REDIRECTS = 10
// How much of a body a reason quotes.
const SNIPPET_CHARS = 200

/** Not ready, for a classified cause: its words are the reason every output shows. */
const notReady = (cause: ProbeFailure): ProbeResult => ({ _tag: "NotReady", reason: cause.message, cause })

const isHttpUrl = (url: string): boolean => {
  try {
    const protocol = new URL(url).protocol
    return protocol === "http:" || protocol === "https:"
  } catch {
    return false
  }
}

/** At most `max` bytes of the body, decoded leniently; a body that fails to read is "". */
const boundedText = (res: HttpClientResponse.HttpClientResponse, max: number): Effect.Effect<string> =>
  res.stream.pipe(
    Stream.runFoldWhile(
      { bytes: 0, chunks: [] as Array<Uint8Array> },
      (acc) => acc.bytes < max,
      (acc, chunk) => {
        const take = chunk.subarray(0, max - acc.bytes)
        acc.chunks.push(take)
        return { bytes: acc.bytes + take.length, chunks: acc.chunks }
      }
    ),
    Effect.map(({ chunks }) => Buffer.concat(chunks).toString("utf8")),
    Effect.orElseSucceed(() => "")
  )

const snippet = (body: string): string => {
  const text = body.replace(/\s+/g, " ").trim()
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text
}

/** Why a request (or the hop of a redirect that failed) got no answer to read. */
const failureOf = (error: HttpClientError.HttpClientError): ProbeFailure => {
  if (error._tag === "RequestError" && error.reason === "Transport") {
    return classifyRequestError(error.cause, error.request.url)
  }
  // Not the network: a redirect off http(s), an answer that could not be read.
  const cause = error.cause
  const detail = error.description ?? (cause instanceof Error ? cause.message : "no detail")
  return probeFailure("other", `${error.reason}: ${detail}`)
}

/**
 * A `VersionProbe` over an `HttpClient`: GET the url (http/https only, TLS verified by the
 * client's defaults, redirects followed), and read the version off the `Server` header.
 */
export const makeVersionProbe = (
  options: VersionProbeOptions = {}
): Effect.Effect<VersionProbe["Type"], never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const timeout = Duration.decode(options.timeout ?? DEFAULT_TIMEOUT)
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    const client = (yield* HttpClient.HttpClient).pipe(
      // Inside followRedirects, so every hop is checked, not only the first url.
      HttpClient.transform((response, request) =>
        isHttpUrl(request.url)
          ? response
          : Effect.fail(
            new HttpClientError.RequestError({
              request,
              reason: "InvalidUrl",
              description: "only http and https are probed"
            })
          )
      ),
      HttpClient.followRedirects(options.maxRedirects ?? DEFAULT_MAX_REDIRECTS)
    )

    const answer = (res: HttpClientResponse.HttpClientResponse): Effect.Effect<ProbeResult> => {
      if (res.status !== 200) {
        return boundedText(res, maxBodyBytes).pipe(
          Effect.map((body) =>
            notReady(
              probeFailure("http-status", `HTTP ${res.status}${body.trim() === "" ? "" : `: ${snippet(body)}`}`, {
                status: res.status
              })
            )
          )
        )
      }
      const server = res.headers["server"]
      if (server === undefined || server === "") {
        return Effect.succeed(notReady(probeFailure("no-version", "no Server header")))
      }
      const version = versionOfServer(server)
      return Effect.succeed(
        version === undefined
          ? notReady(probeFailure("no-version", `Server header "${server}" has no version (expected <name>-<version>)`))
          : { _tag: "Served", version, server }
      )
    }

    const probe = (url: string): Effect.Effect<ProbeResult> => {
      if (!isHttpUrl(url)) return Effect.succeed(notReady(probeFailure("other", `not an http(s) url: ${url}`)))
      return client.get(url).pipe(
        Effect.flatMap(answer),
        // The scope ends the response: an unread or partly read body is not kept open.
        Effect.scoped,
        Effect.catchAll((error) => Effect.succeed(notReady(failureOf(error)))),
        Effect.timeoutTo({
          duration: timeout,
          onSuccess: (result) => result,
          onTimeout: () => notReady(noAnswer(url, Duration.format(timeout)))
        }),
        // The probe's span: its HTTP requests (redirects included) are client spans under it.
        (probed) =>
          whenTraced(probed, (traced) =>
            traced.pipe(
              Effect.tap((result) =>
                Effect.annotateCurrentSpan(
                  result._tag === "Served"
                    ? { "gehen.served_version": result.version }
                    : {
                      "gehen.not_ready": result.reason,
                      ...(result.cause === undefined ? {} : { "gehen.not_ready.cause": result.cause.reason })
                    }
                )
              ),
              Effect.withSpan("version probe", { attributes: { "url.full": url }, captureStackTrace: false })
            ))
      )
    }

    return { probe }
  })

/** The live probe: 10 s per request, at most 1 MiB of body. */
export const VersionProbeLive: Layer.Layer<VersionProbe, never, HttpClient.HttpClient> = Layer.effect(
  VersionProbe,
  makeVersionProbe()
)

/**
 * The probe over Node's own fetch (no HTTP client library to load). fetch would follow
 * redirects itself, past the http/https check and the redirect limit: it is told not
 * to, so HttpClient.followRedirects does, hop by hop.
 */
export const VersionProbeFetch: Layer.Layer<VersionProbe> = VersionProbeLive.pipe(
  Layer.provide(FetchHttpClient.layer),
  Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" }))
)
