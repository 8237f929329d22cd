import * as Layer from "effect/Layer"
import type { Ecs } from "../ports/Ecs.js"
import type { Identity } from "../ports/Identity.js"
import type { Images } from "../ports/Images.js"
import type { DefaultRegion } from "../ports/Region.js"
import type { ScheduledTasks } from "../ports/ScheduledTasks.js"
import { AwsClientsLive, type AwsClientsOptions } from "./AwsClients.js"
import { DefaultRegionLive } from "./DefaultRegionLive.js"
import { EcsLive } from "./EcsLive.js"
import { IdentityLive } from "./IdentityLive.js"
import { ImagesLive } from "./ImagesLive.js"
import { ScheduledTasksLive } from "./ScheduledTasksLive.js"

export { AwsClients, type AwsClientsApi, AwsClientsLive, type AwsClientsOptions, makeAwsClients } from "./AwsClients.js"
export { explainNoCredentials, METADATA_TIMEOUT_MS } from "./Credentials.js"
export { DefaultRegionLive } from "./DefaultRegionLive.js"
export { EcsLive } from "./EcsLive.js"
export { IdentityLive } from "./IdentityLive.js"
export { ImagesLive } from "./ImagesLive.js"
export { ScheduledTasksLive } from "./ScheduledTasksLive.js"

/**
 * Every AWS port over the real SDK. The clients live as long as the scope the layer is
 * built in (e.g. `Effect.provide` around the run) and are destroyed when it closes.
 */
export const AwsLive = (
  options: AwsClientsOptions = {}
): Layer.Layer<Ecs | ScheduledTasks | DefaultRegion | Identity | Images> =>
  Layer.mergeAll(EcsLive, ScheduledTasksLive, IdentityLive, ImagesLive).pipe(
    Layer.provide(AwsClientsLive(options)),
    Layer.merge(DefaultRegionLive)
  )
