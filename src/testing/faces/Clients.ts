/**
 * The simulator behind real AWS SDK clients, without a socket: an SDK request handler
 * that answers each request from the model (through the same routing as the HTTP face).
 * Everything above the wire is the SDK's and gehen's own: serialisation, signing, the
 * retry strategy and `$metadata`, the live adapters' paging, chunking and error
 * classification. So the Layer face tests the adapters users run, not a copy of them.
 *
 * Answers wait on the Effect Clock of the runtime that built the clients (TestClock in
 * program tests), so an injected late answer and the request deadline move with it.
 */
import type { ECRClient } from "@aws-sdk/client-ecr"
import type { ECSClient } from "@aws-sdk/client-ecs"
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge"
import type { STSClient } from "@aws-sdk/client-sts"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type { AwsClientsApi } from "../../aws/AwsClients.js"
import { REQUEST_TIMEOUT_MS } from "../../aws/AwsClients.js"
import type { SimulatorApi } from "../Simulator.js"
import { handleRequest } from "./Server.js"

export interface SimClientsOptions {
  /**
   * Attempts per call, with the SDK's own retry strategy (no backoff delay). Default 1:
   * every injected fault reaches the program as AwsCallError.
   */
  readonly sdkMaxAttempts?: number | undefined
  /** How long an attempt waits for its answer before it fails with TimeoutError; default the live clients' deadline. */
  readonly requestTimeoutMs?: number | undefined
}

/** The shape of a smithy HTTP request the handler reads. */
interface SdkRequest {
  readonly method: string
  readonly path: string
  readonly query?: Readonly<Record<string, string | ReadonlyArray<string> | null>> | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly body?: unknown
}

// TextDecoder, not Buffer.from: the SDK's JSON body is a Uint8Array whose valueOf() Buffer.from would call.
const textOf = (body: unknown): string =>
  typeof body === "string" ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : ""

const queryOf = (query: SdkRequest["query"]): string => {
  if (query === undefined) return ""
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === null) params.append(k, "")
    else if (typeof v === "string") params.append(k, v)
    else for (const x of v) params.append(k, x)
  }
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

const named = (name: string, message: string): Error => Object.assign(new Error(message), { name })

/** Answers SDK requests from the simulator, honouring the abort signal and a per-attempt deadline. */
const makeHandler = (sim: SimulatorApi, runtime: Runtime.Runtime<never>, timeoutMs: number) => ({
  metadata: { handlerProtocol: "gehen-sim" },
  handle: (request: SdkRequest, options: { readonly abortSignal?: AbortSignal | undefined } = {}) =>
    new Promise<{ readonly response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }>(
      (resolve, reject) => {
        const signal = options.abortSignal
        if (signal?.aborted === true) return reject(named("AbortError", "Request aborted"))
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v
        const answer = handleRequest(
          sim,
          { method: request.method, url: `${request.path}${queryOf(request.query)}`, headers },
          textOf(request.body),
          "layer"
        ).pipe(Effect.timeoutTo({
          duration: Duration.millis(timeoutMs),
          onSuccess: Option.some,
          onTimeout: Option.none
        }))
        const fiber = Runtime.runFork(runtime)(answer)
        const onAbort = () => {
          Effect.runFork(Fiber.interrupt(fiber))
          reject(named("AbortError", "Request aborted"))
        }
        signal?.addEventListener("abort", onAbort, { once: true })
        fiber.addObserver((exit) => {
          signal?.removeEventListener("abort", onAbort)
          if (Exit.isFailure(exit)) return reject(named("AbortError", "Request aborted"))
          if (Option.isNone(exit.value)) {
            return reject(
              Object.assign(
                named("TimeoutError", `a request has exceeded the configured ${timeoutMs} ms requestTimeout.`),
                {
                  code: "ETIMEDOUT"
                }
              )
            )
          }
          const reply = exit.value.value
          resolve({
            response: {
              statusCode: reply.status,
              headers: { ...reply.headers },
              body: new TextEncoder().encode(reply.body)
            }
          })
        })
      }
    ),
  updateHttpClientConfig: () => {},
  httpHandlerConfigs: () => ({}),
  destroy: () => {}
})

/**
 * `AwsClientsApi` whose clients answer from `sim`: one client per service and region,
 * signing with the simulated account's deployer keys.
 */
export const makeSimAwsClients = (sim: SimulatorApi, options: SimClientsOptions = {}): Effect.Effect<AwsClientsApi> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const [{ ECSClient }, { EventBridgeClient }, { STSClient }, { ECRClient }, { ConfiguredRetryStrategy }] =
      yield* Effect.promise(() =>
        Promise.all([
          import("@aws-sdk/client-ecs"),
          import("@aws-sdk/client-eventbridge"),
          import("@aws-sdk/client-sts"),
          import("@aws-sdk/client-ecr"),
          import("@smithy/core/retry")
        ])
      )
    const requestHandler = makeHandler(sim, runtime, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS)
    const config = (region: string) => ({
      region,
      credentials: { accessKeyId: "AKIDSIMLAYER", secretAccessKey: "gehen-sim-layer" },
      requestHandler,
      retryStrategy: new ConfiguredRetryStrategy(Math.max(1, options.sdkMaxAttempts ?? 1), () => 0)
    })
    const cached = <C>(create: (region: string) => C) => {
      const clients = new Map<string, C>()
      return (region: string) =>
        Effect.sync(() => {
          const existing = clients.get(region)
          if (existing !== undefined) return existing
          const client = create(region)
          clients.set(region, client)
          return client
        })
    }
    return {
      ecs: cached((region): ECSClient => new ECSClient(config(region))),
      eventBridge: cached((region): EventBridgeClient => new EventBridgeClient(config(region))),
      sts: cached((region): STSClient => new STSClient(config(region))),
      ecr: cached((region): ECRClient => new ECRClient(config(region)))
    }
  })
