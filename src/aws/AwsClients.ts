import type { ECRClient } from "@aws-sdk/client-ecr"
import type { ECSClient } from "@aws-sdk/client-ecs"
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge"
import type { STSClient } from "@aws-sdk/client-sts"
import type { AwsCredentialIdentityProvider } from "@smithy/types"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { METADATA_TIMEOUT_MS } from "./Credentials.js"

/** How gehen authenticates: the default credential chain, or a role assumed on top of it. */
export interface AwsClientsOptions {
  readonly roleArn?: string | undefined
  /** RoleSessionName of the AssumeRole call (CloudTrail shows it); `gehen-<epoch ms>` when absent. */
  readonly sessionName?: string | undefined
}

/** One SDK client per service and region, created on first use and destroyed with the layer's scope. */
export interface AwsClientsApi {
  readonly ecs: (region: string) => Effect.Effect<ECSClient>
  readonly eventBridge: (region: string) => Effect.Effect<EventBridgeClient>
  readonly sts: (region: string) => Effect.Effect<STSClient>
  readonly ecr: (region: string) => Effect.Effect<ECRClient>
}

export class AwsClients extends Context.Tag("gehen/AwsClients")<AwsClients, AwsClientsApi>() {}

type Credentials = AwsCredentialIdentityProvider

/**
 * Retries: the SDK's standard strategy (with its retry quota, so a real outage is not
 * hammered) with 8 attempts, but backoff capped at 2 s instead of 20 s. A deploy polls
 * DescribeServices/DescribeTasks for many services at once, so throttling is the likely
 * transient failure; a call failing mid-deploy costs a verification or a rollback, and
 * 8 attempts ride out a throttling burst where the default 3 do not. The 2 s cap keeps a
 * throttled poll within about one check interval (worst case ~10 s of backoff), so gehen
 * never waits longer than needed. Not "adaptive": its client-side rate limiter slows
 * every later call of the shared per-region client after one throttle, the rollback's
 * included. AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, when set, win.
 */
export const MAX_ATTEMPTS = 8
const MAX_BACKOFF_MS = 2000

/**
 * Deadlines of one attempt (the SDK's own default sets none, so a silent connection
 * would hold a call for ever): 5 s to connect, 20 s until the answer's headers, and 20 s
 * of silence while its body arrives. An ECS or EventBridge answer takes well under a
 * second; a timed-out attempt counts as transient, so the retries above try again.
 */
export const CONNECT_TIMEOUT_MS = 5_000
export const REQUEST_TIMEOUT_MS = 20_000
export const SOCKET_TIMEOUT_MS = 20_000

/** The request handler's settings: every client's, the credential providers' included. */
export const requestHandlerOptions = {
  connectionTimeout: CONNECT_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  socketTimeout: SOCKET_TIMEOUT_MS,
  throwOnRequestTimeout: true
} as const

const retryConfig = (
  ConfiguredRetryStrategy: typeof import("@smithy/core/retry").ConfiguredRetryStrategy
): { maxAttempts?: number; retryMode?: string; retryStrategy?: InstanceType<typeof ConfiguredRetryStrategy> } =>
  process.env["AWS_MAX_ATTEMPTS"] !== undefined || process.env["AWS_RETRY_MODE"] !== undefined
    ? {}
    : {
      // Full jitter, as the SDK's own backoff, over 100 ms x 2^attempt up to the cap.
      retryStrategy: new ConfiguredRetryStrategy(
        MAX_ATTEMPTS,
        (attempt) => Math.floor(Math.random() * Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt))
      )
    }

/**
 * Builds the clients. Endpoints are deliberately not set: the SDK's own AWS_ENDPOINT_URL(_ECS,
 * _EVENTBRIDGE, _STS) handling stays in force (tests point it at moto).
 */
export const makeAwsClients = (options: AwsClientsOptions = {}): Effect.Effect<AwsClientsApi, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Loaded here, not at module top: `gehen --version` / `--help` must not pay for the SDK.
    const [
      { ECSClient },
      { EventBridgeClient },
      { STSClient },
      { ECRClient },
      { ConfiguredRetryStrategy },
      { fromNodeProviderChain, fromTemporaryCredentials },
      { memoizeIdentityProvider, isIdentityExpired, doesIdentityRequireRefresh }
    ] = yield* Effect.promise(() =>
      Promise.all([
        import("@aws-sdk/client-ecs"),
        import("@aws-sdk/client-eventbridge"),
        import("@aws-sdk/client-sts"),
        import("@aws-sdk/client-ecr"),
        import("@smithy/core/retry"),
        import("@aws-sdk/credential-providers"),
        import("@smithy/core")
      ])
    )
    const retries = () => retryConfig(ConfiguredRetryStrategy)
    // Given a provider, the memoizer always answers one (undefined only for undefined).
    const memoize = (provider: AwsCredentialIdentityProvider): Credentials =>
      memoizeIdentityProvider(provider, isIdentityExpired, doesIdentityRequireRefresh) ?? provider

    // The default chain, resolved once for every client, with a short wait on the metadata
    // endpoints (see METADATA_TIMEOUT_MS).
    const base = memoize(
      fromNodeProviderChain({
        timeout: METADATA_TIMEOUT_MS,
        maxRetries: 0,
        clientConfig: { requestHandler: requestHandlerOptions }
      })
    )

    // With a role: one provider on top of the chain, shared by every client of every region
    // and memoized, so that all of them together make one AssumeRole (again only shortly
    // before the credentials expire). Created with the first client's region, so STS is
    // called in the partition gehen works in.
    const roleArn = options.roleArn
    let sharedCredentials: Credentials | undefined
    const credentialsFor = (region: string): Credentials => {
      if (roleArn === undefined) return base
      sharedCredentials ??= memoize(fromTemporaryCredentials({
        masterCredentials: base,
        params: { RoleArn: roleArn, RoleSessionName: options.sessionName ?? `gehen-${Date.now()}` },
        clientConfig: { region, ...retries(), requestHandler: requestHandlerOptions }
      }))
      return sharedCredentials
    }

    const clientConfig = (region: string) => ({
      region,
      ...retries(),
      credentials: credentialsFor(region),
      requestHandler: requestHandlerOptions
    })

    const ecsClients = new Map<string, ECSClient>()
    const eventBridgeClients = new Map<string, EventBridgeClient>()
    const stsClients = new Map<string, STSClient>()
    const ecrClients = new Map<string, ECRClient>()

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const client of ecsClients.values()) client.destroy()
        for (const client of eventBridgeClients.values()) client.destroy()
        for (const client of stsClients.values()) client.destroy()
        for (const client of ecrClients.values()) client.destroy()
        ecsClients.clear()
        eventBridgeClients.clear()
        stsClients.clear()
        ecrClients.clear()
      })
    )

    // Synchronous get-or-create: no await in between, so concurrent fibers share one client.
    const cached = <C>(clients: Map<string, C>, create: (region: string) => C) => (region: string) =>
      Effect.sync(() => {
        const existing = clients.get(region)
        if (existing !== undefined) return existing
        const client = create(region)
        clients.set(region, client)
        return client
      })

    return {
      ecs: cached(ecsClients, (region) => new ECSClient(clientConfig(region))),
      eventBridge: cached(eventBridgeClients, (region) => new EventBridgeClient(clientConfig(region))),
      sts: cached(stsClients, (region) => new STSClient(clientConfig(region))),
      ecr: cached(ecrClients, (region) => new ECRClient(clientConfig(region)))
    }
  })

/** The clients, alive as long as the layer's scope. */
export const AwsClientsLive = (options: AwsClientsOptions = {}): Layer.Layer<AwsClients> =>
  Layer.scoped(AwsClients, makeAwsClients(options))
