import type { DeploymentModel } from "../../domain/DeploymentModel.js"
import type { ServiceRef } from "../../domain/Targets.js"
import type { StartedDeployment } from "../../ports/Ecs.js"
import type { ServiceTarget } from "../plan/Plan.js"

/** One service a drain check (or a failure watch) follows, and what it must settle on. */
export interface DrainItem {
  readonly target: ServiceTarget
  readonly ref: ServiceRef
  /** The task definition the service must settle on. */
  readonly taskDefinition: string
  /** The deployment UpdateService started (judged by id); absent when none was started or seen. */
  readonly deployment?: StartedDeployment | undefined
  /** How ECS deploys the service: traffic-shifting ones are followed through their service deployment. */
  readonly model?: DeploymentModel | undefined
  /** The test listener's url: gehen answers a PAUSE hook at POST_TEST_TRAFFIC_SHIFT once it serves `expected`. */
  readonly testUrl?: string | undefined
  readonly expected?: ReadonlyArray<string> | undefined
  /** A rollback ECS runs (its own, or one gehen asked for): the service deployment to see ROLLBACK_SUCCESSFUL. */
  readonly rollbackOf?: string | undefined
}
