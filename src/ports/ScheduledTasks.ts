import type { Target } from "@aws-sdk/client-eventbridge"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { RuleRef } from "../domain/Targets.js"
import type { AwsCallError, PutTargetsRejected } from "./Errors.js"

/** The EventBridge operations gehen performs on scheduled-task rules. */
export interface ScheduledTasksApi {
  /** ListTargetsByRule, every page. */
  readonly targetsOf: (rule: RuleRef) => Effect.Effect<ReadonlyArray<Target>, AwsCallError>
  /** PutTargets with one target; a non-zero FailedEntryCount is `PutTargetsRejected`. */
  readonly putTarget: (rule: RuleRef, target: Target) => Effect.Effect<void, AwsCallError | PutTargetsRejected>
}

export class ScheduledTasks extends Context.Tag("gehen/ScheduledTasks")<ScheduledTasks, ScheduledTasksApi>() {}

/**
 * gehen deploys a rule only through its one ECS target: that target and the task
 * definition it runs, or why the rule does not qualify.
 */
export const ecsTargetOf = (
  targets: ReadonlyArray<Target>
): Either.Either<{ readonly target: Target; readonly taskDefinition: string }, string> => {
  if (targets.length !== 1) return Either.left(`expected exactly one target on the rule, found ${targets.length}`)
  const target = targets[0]!
  const taskDefinition = target.EcsParameters?.TaskDefinitionArn
  return taskDefinition === undefined
    ? Either.left(`its target ${target.Id ?? ""} (${target.Arn ?? "?"}) is not an ECS task`)
    : Either.right({ target, taskDefinition })
}
