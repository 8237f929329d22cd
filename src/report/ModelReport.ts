import * as Schema from "effect/Schema"
import type { DeploymentModel, ServiceDeploymentState } from "../domain/DeploymentModel.js"
import { resourceId } from "../domain/ResourceId.js"

/** How ECS deploys a service, as the plan and `gehen status` show it. */
export const DeploymentModelReport = Schema.Struct({
  /** ECS, CODE_DEPLOY or EXTERNAL. */
  controller: Schema.String,
  strategy: Schema.String,
  bakeTimeInMinutes: Schema.Number,
  linear: Schema.NullOr(Schema.Struct({ stepPercent: Schema.Number, stepBakeTimeInMinutes: Schema.Number })),
  canary: Schema.NullOr(Schema.Struct({ canaryPercent: Schema.Number, canaryBakeTimeInMinutes: Schema.Number })),
  circuitBreaker: Schema.Struct({
    enable: Schema.Boolean,
    rollback: Schema.Boolean,
    /** The breaker's failure threshold, where the service configures one (else ECS's default, 50% bounded to 3..200). */
    threshold: Schema.optionalWith(
      Schema.Struct({ type: Schema.Literal("COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"), value: Schema.Number }),
      { exact: true }
    )
  }),
  alarms: Schema.Struct({ names: Schema.Array(Schema.String), enable: Schema.Boolean, rollback: Schema.Boolean }),
  lifecycleHooks: Schema.Array(Schema.Struct({
    targetType: Schema.String,
    hookTargetArn: Schema.NullOr(Schema.String),
    lifecycleStages: Schema.Array(Schema.String)
  }))
})
export type DeploymentModelReport = typeof DeploymentModelReport.Type

/** A service's latest service deployment, as `gehen status` shows it. */
export const LatestServiceDeployment = Schema.Struct({
  arn: Schema.String,
  status: Schema.String,
  lifecycleStage: Schema.NullOr(Schema.String),
  startedAt: Schema.NullOr(Schema.String),
  statusReason: Schema.NullOr(Schema.String)
})
export type LatestServiceDeployment = typeof LatestServiceDeployment.Type

export const modelReport = (controller: string, m: DeploymentModel): DeploymentModelReport => ({
  controller,
  strategy: m.strategy,
  bakeTimeInMinutes: m.bakeTimeInMinutes,
  linear: m.linear ?? null,
  canary: m.canary ?? null,
  circuitBreaker: {
    enable: m.circuitBreaker.enable,
    rollback: m.circuitBreaker.rollback,
    ...(m.circuitBreaker.threshold === undefined ? {} : { threshold: { ...m.circuitBreaker.threshold } })
  },
  alarms: { names: [...m.alarms.names], enable: m.alarms.enable, rollback: m.alarms.rollback },
  lifecycleHooks: m.lifecycleHooks.map((h) => ({
    targetType: h.targetType,
    hookTargetArn: h.hookTargetArn ?? null,
    lifecycleStages: [...h.lifecycleStages]
  }))
})

export const latestReport = (sd: ServiceDeploymentState): LatestServiceDeployment => ({
  arn: sd.arn,
  status: sd.status,
  lifecycleStage: sd.lifecycleStage ?? null,
  startedAt: sd.startedAt === undefined ? null : new Date(sd.startedAt).toISOString(),
  statusReason: sd.statusReason ?? null
})

/** One line: "BLUE_GREEN (ECS), bake 10 min, circuit breaker on with rollback, alarms a, b (rollback), hooks PAUSE at X". */
export const modelText = (m: DeploymentModelReport): string => {
  const parts = [`${m.strategy} (${m.controller})`]
  if (m.strategy !== "ROLLING") parts.push(`bake ${m.bakeTimeInMinutes} min`)
  if (m.linear !== null) parts.push(`steps of ${m.linear.stepPercent}% every ${m.linear.stepBakeTimeInMinutes} min`)
  if (m.canary !== null) parts.push(`canary ${m.canary.canaryPercent}% for ${m.canary.canaryBakeTimeInMinutes} min`)
  parts.push(
    m.circuitBreaker.enable
      ? `circuit breaker on${m.circuitBreaker.rollback ? " with rollback" : ""}` +
        (m.circuitBreaker.threshold === undefined
          ? ""
          : ` at ${
            m.circuitBreaker.threshold.type === "COUNT"
              ? `${m.circuitBreaker.threshold.value} failed tasks`
              : `${m.circuitBreaker.threshold.value}% (${m.circuitBreaker.threshold.type})`
          }`)
      : "circuit breaker off"
  )
  if (m.alarms.names.length > 0) {
    parts.push(
      `alarms ${m.alarms.names.join(", ")}${m.alarms.enable ? (m.alarms.rollback ? " (rollback)" : "") : " (off)"}`
    )
  }
  for (const h of m.lifecycleHooks) parts.push(`hook ${h.targetType} at ${h.lifecycleStages.join(", ")}`)
  return parts.join(", ")
}

export const latestText = (sd: LatestServiceDeployment): string =>
  `latest service deployment ${resourceId(sd.arn)}: ${sd.status}` +
  (sd.lifecycleStage === null ? "" : `, ${sd.lifecycleStage}`) +
  (sd.startedAt === null ? "" : `, started ${sd.startedAt}`) +
  (sd.statusReason === null ? "" : ` (${sd.statusReason})`)
