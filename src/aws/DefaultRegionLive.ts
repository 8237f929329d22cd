import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { MissingRegion } from "../ports/Errors.js"
import { DefaultRegion } from "../ports/Region.js"

/**
 * The region of the standard chain, resolved by the SDK's own loader: AWS_REGION, then the
 * profile's `region` (AWS_PROFILE; credentials file, then config file), then the EC2 instance
 * metadata (what SDK clients do). AWS_DEFAULT_REGION, which the SDK ignores but the AWS CLI
 * reads, counts right after AWS_REGION, as in the CLI, so a shell set up for the CLI works.
 * Resolved at most once per layer.
 */
export const DefaultRegionLive: Layer.Layer<DefaultRegion> = Layer.effect(
  DefaultRegion,
  Effect.gen(function*() {
    const resolve = Effect.tryPromise({
      try: async () => {
        // Loaded lazily: `gehen --version` must not load the SDK.
        const { loadConfig, NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS } = await import(
          "@smithy/core/config"
        )
        const region = await loadConfig(
          {
            ...NODE_REGION_CONFIG_OPTIONS,
            environmentVariableSelector: (env) => nonEmpty(env["AWS_REGION"]) ?? nonEmpty(env["AWS_DEFAULT_REGION"])
          },
          NODE_REGION_CONFIG_FILE_OPTIONS
        )()
        return region
      },
      catch: (cause) =>
        new MissingRegion({
          reason: cause instanceof Error && cause.message !== "Region is missing"
            ? `the AWS config could not be read (${cause.message})`
            : "none in AWS_REGION, AWS_DEFAULT_REGION, the profile or the instance metadata"
        })
    }).pipe(
      Effect.filterOrFail(
        (region) => region.trim() !== "",
        () => new MissingRegion({ reason: "the configured region is empty" })
      )
    )
    return { get: yield* Effect.cached(resolve) }
  })
)

const nonEmpty = (
  value: string | undefined
): string | undefined => (value === undefined || value === "" ? undefined : value)
