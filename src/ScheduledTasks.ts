import type { Target } from "@aws-sdk/client-eventbridge"
import { Context, type Effect } from "effect"
import type { AwsCallError, PutTargetsRejected } from "./Errors.js"

/** The EventBridge operations gehen performs on scheduled-task rules. */
export interface ScheduledTasksApi {
  /** ListTargetsByRule, every page. */
  readonly targetsOf: (region: string, rule: string) => Effect.Effect<ReadonlyArray<Target>, AwsCallError>
  /** PutTargets with one target; a non-zero FailedEntryCount is `PutTargetsRejected`. */
  readonly putTarget: (
    region: string,
    rule: string,
    target: Target
  ) => Effect.Effect<void, AwsCallError | PutTargetsRejected>
}

export class ScheduledTasks extends Context.Tag("gehen/ScheduledTasks")<ScheduledTasks, ScheduledTasksApi>() {}
