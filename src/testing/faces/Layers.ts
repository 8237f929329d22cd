/**
 * Face 1: the simulator as the deploy programs' ports. Ecs, ScheduledTasks and Identity
 * are the live adapters (EcsLive, ScheduledTasksLive, IdentityLive) over SDK clients
 * that answer from the model in memory (Clients.ts), so every call is recorded and
 * fault-injected exactly as over HTTP, and the adapters' paging, chunking and error
 * classification are the ones users run. DefaultRegion and VersionProbe read the model.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AwsClients } from "../../aws/AwsClients.js"
import { EcsLive } from "../../aws/EcsLive.js"
import { IdentityLive } from "../../aws/IdentityLive.js"
import { ImagesLive } from "../../aws/ImagesLive.js"
import { ScheduledTasksLive } from "../../aws/ScheduledTasksLive.js"
import { versionOfServer } from "../../domain/ServedVersion.js"
import type { Ecs } from "../../ports/Ecs.js"
import { MissingRegion } from "../../ports/Errors.js"
import type { Identity } from "../../ports/Identity.js"
import type { Images } from "../../ports/Images.js"
import { DefaultRegion } from "../../ports/Region.js"
import type { ScheduledTasks } from "../../ports/ScheduledTasks.js"
import { type ProbeResult, VersionProbe } from "../../ports/VersionProbe.js"
import { makeSimulator, type SimulatorApi, type SimulatorOptions } from "../Simulator.js"
import { makeSimAwsClients, type SimClientsOptions } from "./Clients.js"
import { parseVersionUrl, versionServerHeader } from "./VersionUrl.js"

export { parseVersionUrl, versionServerHeader } from "./VersionUrl.js"

export interface SimLayerOptions extends SimClientsOptions {
  /** What DefaultRegion answers; `null` makes it fail with MissingRegion. Default: the model's default region. */
  readonly region?: string | null | undefined
}

/** DefaultRegion and VersionProbe, backed by `sim`. */
const modelServices = (sim: SimulatorApi, options: SimLayerOptions) => {
  const region = options.region === undefined ? sim.model.defaultRegion : options.region
  const defaultRegion = {
    get: region === null
      ? Effect.fail(new MissingRegion({ reason: "the simulator was given no default region" }))
      : Effect.succeed(region)
  }
  // Like the live probe: the version is read off the Server header, so a tag with
  // dashes is cut at its last dash exactly as in production.
  const probe = {
    probe: (url: string): Effect.Effect<ProbeResult> => {
      const target = parseVersionUrl(url)
      if (target === undefined) return Effect.succeed({ _tag: "NotReady", reason: `the simulator serves no ${url}` })
      return Effect.map(
        sim.servedVersion(target.cluster, target.service, target.region, target.listener),
        (tag): ProbeResult => {
          if (tag === undefined) {
            return {
              _tag: "NotReady",
              reason: `no task of ${target.service} (${target.cluster}) serves yet`
            }
          }
          const server = versionServerHeader(target.service, tag)
          const version = versionOfServer(server)
          return version === undefined
            ? { _tag: "NotReady", reason: `Server header "${server}" has no version (expected <name>-<version>)` }
            : { _tag: "Served", version, server }
        }
      )
    }
  }
  return { defaultRegion, probe }
}

const simulatorLayer = (
  sim: SimulatorApi,
  options: SimLayerOptions = {}
): Layer.Layer<Ecs | ScheduledTasks | DefaultRegion | VersionProbe | Identity | Images | Simulator> => {
  const s = modelServices(sim, options)
  return Layer.mergeAll(
    Layer.mergeAll(EcsLive, ScheduledTasksLive, IdentityLive, ImagesLive).pipe(
      Layer.provide(Layer.effect(AwsClients, makeSimAwsClients(sim, options)))
    ),
    Layer.succeed(DefaultRegion, s.defaultRegion),
    Layer.succeed(VersionProbe, s.probe),
    Layer.succeed(Simulator, sim)
  )
}

const freshLayer = (
  options: SimulatorOptions & SimLayerOptions = {}
): Layer.Layer<Ecs | ScheduledTasks | DefaultRegion | VersionProbe | Identity | Images | Simulator> =>
  Layer.unwrapEffect(Effect.map(makeSimulator(options), (sim) => simulatorLayer(sim, options)))

/**
 * The simulator in the context. `Simulator.make(options)` creates one,
 * `Simulator.layer(sim)` provides the ports backed by it (and the simulator itself),
 * `Simulator.layerFresh(options)` does both.
 */
export class Simulator extends Context.Tag("gehen/testing/Simulator")<Simulator, SimulatorApi>() {
  static readonly make = makeSimulator
  static readonly layer = simulatorLayer
  static readonly layerFresh = freshLayer
}
