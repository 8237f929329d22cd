/**
 * The AWS CLI commands that put a target back by hand: printed for every target a person
 * must look at (a restore that failed, was not issued, was sent without an answer, or
 * was not confirmed).
 */
import type { Target } from "@aws-sdk/client-eventbridge"
import type { RuleRef, ServiceRef } from "../../domain/Targets.js"
import type { Change } from "../apply/Ledger.js"

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** The AWS CLI command that puts a service back by hand. */
export const updateServiceCommand = (ref: ServiceRef, taskDefinition: string): string =>
  [
    "aws ecs update-service",
    `--region ${ref.region}`,
    `--cluster ${shellQuote(ref.cluster)}`,
    `--service ${shellQuote(ref.service)}`,
    `--task-definition ${shellQuote(taskDefinition)}`,
    "--force-new-deployment"
  ].join(" ")

/** The AWS CLI command that puts a rule's target back by hand. */
export const putTargetsCommand = (rule: RuleRef, target: Target): string =>
  [
    "aws events put-targets",
    `--region ${rule.region}`,
    ...(rule.eventBusName === undefined ? [] : [`--event-bus-name ${shellQuote(rule.eventBusName)}`]),
    `--rule ${shellQuote(rule.rule)}`,
    `--targets ${shellQuote(JSON.stringify([target]))}`
  ].join(" ")

/**
 * The command that undoes one change of the ledger. None for a forced redeploy of the
 * same task definition: there is nothing earlier to go back to.
 */
export const manualCommandOf = (change: Change): string | undefined =>
  change.kind === "service"
    ? change.plan.action._tag === "Redeploy" ? undefined : updateServiceCommand(change.plan.ref, change.restoreTo)
    : putTargetsCommand(change.plan.ruleRef, change.plan.ecsTarget)

/** The AWS CLI command that answers a paused hook by hand. */
export const continueCommand = (region: string, arn: string, hookId: string): string =>
  `aws ecs continue-service-deployment --region ${region} --service-deployment-arn '${arn}' --hook-id '${hookId}' --action CONTINUE`
