import type { ECSClient, ECSClientConfig } from "@aws-sdk/client-ecs"
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge"
import { Context, Effect, Layer, type Scope } from "effect"

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
}

export class AwsClients extends Context.Tag("gehen/AwsClients")<AwsClients, AwsClientsApi>() {}

type Credentials = NonNullable<ECSClientConfig["credentials"]>

/**
 * Retries: "standard" mode with 8 attempts (the default is 3). Standard mode backs off
 * exponentially with full jitter (in this SDK: 50 ms base, 1 s for throttling, 20 s cap) and
 * keeps a retry quota, so an outage is not hammered. A deploy polls DescribeServices and
 * DescribeTasks for many services at once, so throttling is the likely transient failure, and
 * a call that fails mid-deploy costs a verification or triggers a rollback: 8 attempts (up to
 * ~70 s of backoff for throttling, ~35 s on average) ride out a burst that 3 do not, and stay
 * well inside a deploy's timeout. Not "adaptive": it can delay even first attempts, and AWS
 * recommends it only when clients are pooled per throttled resource; ours are shared per
 * region, so one throttled API would slow unrelated calls, the rollback's included.
 * AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, when set, still win.
 */
const retryConfig = (): { maxAttempts?: number; retryMode?: string } => ({
  ...(process.env["AWS_MAX_ATTEMPTS"] === undefined ? { maxAttempts: 8 } : {}),
  ...(process.env["AWS_RETRY_MODE"] === undefined ? { retryMode: "standard" } : {})
})

/**
 * Builds the clients. Endpoints are deliberately not set: the SDK's own AWS_ENDPOINT_URL(_ECS,
 * _EVENTBRIDGE, _STS) handling stays in force (tests point it at moto).
 */
export const makeAwsClients = (options: AwsClientsOptions = {}): Effect.Effect<AwsClientsApi, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Loaded here, not at module top: `gehen --version` / `--help` must not pay for the SDK.
    const [{ ECSClient }, { EventBridgeClient }] = yield* Effect.promise(() =>
      Promise.all([import("@aws-sdk/client-ecs"), import("@aws-sdk/client-eventbridge")])
    )

    const roleArn = options.roleArn
    const assumeRole = roleArn === undefined ? undefined : yield* Effect.promise(async () => {
      const [{ fromTemporaryCredentials }, { memoizeIdentityProvider, isIdentityExpired, doesIdentityRequireRefresh }] =
        await Promise.all([import("@aws-sdk/credential-providers"), import("@smithy/core")])
      return { fromTemporaryCredentials, memoizeIdentityProvider, isIdentityExpired, doesIdentityRequireRefresh }
    })

    // One provider shared by every client of every region, memoized so that all of them
    // together make one AssumeRole (again only shortly before the credentials expire);
    // each client's own memoization would otherwise assume the role once per client.
    // Created with the first client's region, so STS is called in the partition gehen works in.
    let sharedCredentials: Credentials | undefined
    const credentialsFor = (region: string): Credentials | undefined => {
      if (assumeRole === undefined || roleArn === undefined) return undefined // the SDK's default chain
      if (sharedCredentials === undefined) {
        const provider = assumeRole.fromTemporaryCredentials({
          params: { RoleArn: roleArn, RoleSessionName: options.sessionName ?? `gehen-${Date.now()}` },
          clientConfig: { region, ...retryConfig() }
        })
        sharedCredentials = assumeRole.memoizeIdentityProvider(
          provider,
          assumeRole.isIdentityExpired,
          assumeRole.doesIdentityRequireRefresh
        )
      }
      return sharedCredentials
    }

    const clientConfig = (region: string) => {
      const credentials = credentialsFor(region)
      return { region, ...retryConfig(), ...(credentials === undefined ? {} : { credentials }) }
    }

    const ecsClients = new Map<string, ECSClient>()
    const eventBridgeClients = new Map<string, EventBridgeClient>()

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const client of ecsClients.values()) client.destroy()
        for (const client of eventBridgeClients.values()) client.destroy()
        ecsClients.clear()
        eventBridgeClients.clear()
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
      eventBridge: cached(eventBridgeClients, (region) => new EventBridgeClient(clientConfig(region)))
    }
  })

/** The clients, alive as long as the layer's scope. */
export const AwsClientsLive = (options: AwsClientsOptions = {}): Layer.Layer<AwsClients> =>
  Layer.scoped(AwsClients, makeAwsClients(options))
