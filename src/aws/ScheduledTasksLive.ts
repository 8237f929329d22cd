import type { Target } from "@aws-sdk/client-eventbridge"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PutTargetsRejected } from "../ports/Errors.js"
import { ScheduledTasks, type ScheduledTasksApi } from "../ports/ScheduledTasks.js"
import { AwsClients } from "./AwsClients.js"
import { awsCall } from "./call.js"

/** The live `ScheduledTasks` over EventBridge. */
export const ScheduledTasksLive: Layer.Layer<ScheduledTasks, never, AwsClients> = Layer.effect(
  ScheduledTasks,
  Effect.gen(function*() {
    const clients = yield* AwsClients
    // Loaded here, not at module top: `gehen --version` / `--help` must not pay for the SDK.
    const { ListTargetsByRuleCommand, PutTargetsCommand } = yield* Effect.promise(() =>
      import("@aws-sdk/client-eventbridge")
    )

    const targetsOf: ScheduledTasksApi["targetsOf"] = ({ eventBusName, region, rule }) =>
      Effect.gen(function*() {
        const client = yield* clients.eventBridge(region)
        // The SDK has no paginator for ListTargetsByRule: follow NextToken by hand.
        return yield* awsCall("ListTargetsByRule", region, async (abortSignal) => {
          const targets: Array<Target> = []
          let nextToken: string | undefined
          do {
            const page = await client.send(
              new ListTargetsByRuleCommand({
                Rule: rule,
                ...(eventBusName === undefined ? {} : { EventBusName: eventBusName }),
                ...(nextToken === undefined ? {} : { NextToken: nextToken })
              }),
              { abortSignal }
            )
            targets.push(...(page.Targets ?? []))
            nextToken = page.NextToken
          } while (nextToken !== undefined && nextToken !== "")
          return targets
        })
      })

    const putTarget: ScheduledTasksApi["putTarget"] = ({ eventBusName, region, rule }, target) =>
      Effect.gen(function*() {
        const client = yield* clients.eventBridge(region)
        const out = yield* awsCall("PutTargets", region, (abortSignal) =>
          client.send(
            new PutTargetsCommand({
              Rule: rule,
              ...(eventBusName === undefined ? {} : { EventBusName: eventBusName }),
              Targets: [target]
            }),
            { abortSignal }
          ))
        if ((out.FailedEntryCount ?? 0) > 0) {
          return yield* new PutTargetsRejected({
            rule,
            region,
            failures: (out.FailedEntries ?? []).map((f) => ({
              targetId: f.TargetId ?? target.Id ?? "",
              code: f.ErrorCode ?? "",
              message: f.ErrorMessage ?? ""
            }))
          })
        }
      })

    return { targetsOf, putTarget }
  })
)
