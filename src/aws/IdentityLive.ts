import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { homedir } from "node:os"
import { join } from "node:path"
import type { AwsCallError } from "../ports/Errors.js"
import { Identity, type NoCredentials } from "../ports/Identity.js"
import { AwsClients } from "./AwsClients.js"
import { toAwsCallError } from "./call.js"
import { explainNoCredentials } from "./Credentials.js"

/** The profiles of the shared config and credentials files, as the SDK reads them. */
const profilesOnFile = Effect.promise(async () => {
  const { loadSharedConfigFiles } = await import("@smithy/core/config")
  const files = await loadSharedConfigFiles().catch(() => ({ configFile: {}, credentialsFile: {} }))
  return [...new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)])]
})

/** Failures of the credential chain itself (before any request): the SDK's provider errors. */
const isProviderError = (e: unknown): boolean => e instanceof Error && /ProviderError$/.test(e.name)

/** The live `Identity`: the clients' credentials, then STS GetCallerIdentity. */
export const IdentityLive: Layer.Layer<Identity, never, AwsClients> = Layer.effect(
  Identity,
  Effect.map(AwsClients, (clients) => ({
    whoAmI: (region: string) =>
      Effect.gen(function*() {
        const sts = yield* clients.sts(region)
        const { GetCallerIdentityCommand } = yield* Effect.promise(() => import("@aws-sdk/client-sts"))
        const answer = yield* Effect.tryPromise({
          try: (abortSignal) => sts.send(new GetCallerIdentityCommand({}), { abortSignal }),
          catch: (e) => e
        }).pipe(
          Effect.catchAll((e): Effect.Effect<never, NoCredentials | AwsCallError> =>
            isProviderError(e)
              ? Effect.flatMap(profilesOnFile, (profiles) =>
                Effect.fail(explainNoCredentials(e, {
                  env: process.env,
                  profiles,
                  configFile: process.env["AWS_CONFIG_FILE"] ?? join(homedir(), ".aws", "config"),
                  credentialsFile: process.env["AWS_SHARED_CREDENTIALS_FILE"] ?? join(homedir(), ".aws", "credentials")
                })))
              : Effect.fail(toAwsCallError("GetCallerIdentity", region)(e))
          )
        )
        return { account: answer.Account ?? "", arn: answer.Arn ?? "" }
      })
  }))
)
