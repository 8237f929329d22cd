import { type DeploymentModel, shiftsTraffic } from "../../domain/DeploymentModel.js"
import type { Followed } from "../checks/Following.js"

/**
 * How a changed service is put back:
 * - `ecs`: ECS is rolling (or rolled) its deployment back by itself; gehen only confirms.
 * - `continue`: a traffic-shifting deployment paused at a lifecycle hook: answered ROLLBACK.
 * - `stop`: a traffic-shifting deployment still in progress (the blue tasks still up):
 *   StopServiceDeployment with stopType ROLLBACK shifts traffic back at once.
 * - `update-service`: everything else (rolling services, finished deployments, no record).
 */
export type RestoreWay =
  | { readonly _tag: "ecs"; readonly arn: string }
  | { readonly _tag: "continue"; readonly arn: string; readonly hookId: string }
  | { readonly _tag: "stop"; readonly arn: string }
  | { readonly _tag: "update-service" }

export const restoreWayOf = (model: DeploymentModel | undefined, followed: Followed | undefined): RestoreWay => {
  if (followed === undefined || model === undefined) return { _tag: "update-service" }
  const { status } = followed.last
  if (status === "ROLLBACK_REQUESTED" || status === "ROLLBACK_IN_PROGRESS" || status === "ROLLBACK_SUCCESSFUL") {
    return { _tag: "ecs", arn: followed.arn }
  }
  if (!shiftsTraffic(model.strategy) || (status !== "IN_PROGRESS" && status !== "PENDING")) {
    return { _tag: "update-service" }
  }
  const hook = followed.last.hooks.find((h) => h.status === "AWAITING_ACTION")
  return hook === undefined
    ? { _tag: "stop", arn: followed.arn }
    : { _tag: "continue", arn: followed.arn, hookId: hook.hookId }
}
