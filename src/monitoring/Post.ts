/**
 * HTTP for the receivers (Sentry's DSN, the OTLP collector) over node:http(s), with the
 * host looked up by {@link HostLookup} rather than getaddrinfo, so that no receiver can
 * hold the process's exit (see HostLookup). Redirects are not followed: neither
 * receiver answers with one.
 */
import { type IncomingHttpHeaders, request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import type { LookupFn } from "./HostLookup.js"

export interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

export interface PostOptions {
  readonly method?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: string | Uint8Array | undefined
  readonly signal?: AbortSignal | undefined
  readonly lookup: LookupFn
}

/** One request; resolves with the whole answer (receivers answer with a few bytes). */
export const send = (url: string, options: PostOptions): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const target = new URL(url)
    const request = (target.protocol === "https:" ? httpsRequest : httpRequest)(target, {
      method: options.method ?? "POST",
      headers: { ...options.headers },
      lookup: options.lookup,
      ...(options.signal === undefined ? {} : { signal: options.signal })
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (c: Buffer) => chunks.push(c))
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }))
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end(options.body)
  })

const headersOf = (input: ConstructorParameters<typeof Headers>[0]): Record<string, string> => {
  const out: Record<string, string> = {}
  new Headers(input).forEach((value, key) => (out[key] = value))
  return out
}

/**
 * `fetch` for @effect/platform's FetchHttpClient (the OTLP exporter's client) over
 * {@link send}: string and byte bodies, which is what the exporter sends.
 */
export const fetchWith = (lookup: LookupFn): typeof globalThis.fetch => async (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
  const body = init?.body
  if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) {
    throw new TypeError("only string and byte bodies are sent to a receiver")
  }
  const answer = await send(url, {
    method: init?.method,
    headers: headersOf(init?.headers),
    body: body ?? undefined,
    signal: init?.signal ?? undefined,
    lookup
  })
  const headers = new Headers()
  for (const [key, value] of Object.entries(answer.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(key, v)
  }
  // A Response with a body may not have a null-body status (204, 304).
  const empty = answer.status === 204 || answer.status === 304 || answer.body.length === 0
  return new Response(empty ? null : answer.body, { status: answer.status, headers })
}
