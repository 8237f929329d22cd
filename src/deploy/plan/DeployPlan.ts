/**
 * The plan as a value: what gehen will do to each service and scheduled task, computed
 * from read calls only (Plan.ts makes it, the pre-flight adds what the urls and images
 * answered). Types only, so the plan's makers and readers share them without a circle.
 */
import type { Target } from "@aws-sdk/client-eventbridge"
import type * as Option from "effect/Option"
import type { UpdateStrategy } from "../../config/Config.js"
import type { ReleaseTags } from "../../domain/Releases.js"
import type { RuleRef, ServiceRef, TargetId } from "../../domain/Targets.js"
import type { ImageChange } from "../../domain/TaskDefinitionCopy.js"
import type { DeploymentModel, StartedDeployment } from "../../ports/Ecs.js"
import type { ImageCheck } from "../../ports/Images.js"
import type { ProbeResult } from "../../ports/VersionProbe.js"
import type { ImageReport } from "../../report/Report.js"
import type { Revision } from "./Revisions.js"

export type ServiceTarget = Extract<TargetId, { kind: "service" }>
export type ScheduledTaskTarget = Extract<TargetId, { kind: "scheduled-task" }>

export type { Revision }

/** Where `gehen rollback` found the revision a target returns to. */
export type RevertSource =
  | "release history"
  | "ECS deployment history"
  | "family scan"
  | "an ACTIVE revision running it (never released by gehen)"

/** A deployment toward the sha still rolling out when the run starts, and what the service ran before it. */
export interface InFlight {
  readonly deployment: StartedDeployment
  /** The task definition of the deployment it replaces (DescribeServices names it): what a restore returns to. */
  readonly previousTaskDefinition: string
  /** The tags that revision's targeted containers run: what its url serves once restored. */
  readonly previousTags: ReadonlyArray<string>
}

/** The plan for one service, computed from read calls only. */
export interface ServicePlan {
  /** Its key in gehen.yml. */
  readonly key: string
  readonly target: ServiceTarget
  readonly ref: ServiceRef
  readonly url: string | undefined
  /** What the service runs now: what a rollback returns to. */
  readonly currentTaskDefinition: string
  /** What the service is updated to; CheckOnly for `updateStrategy: none`. */
  readonly action:
    | { readonly _tag: "Update"; readonly revision: Revision }
    | { readonly _tag: "Redeploy" }
    | { readonly _tag: "CheckOnly" }
    /**
     * Its targeted containers already run the sha: no revision, no update; still checked.
     * `inFlight`: the deployment toward it is still rolling out (a run of the same sha cut
     * short): adopted, followed by its id, and restored to what ran before if it fails.
     */
    | { readonly _tag: "Unchanged"; readonly inFlight?: InFlight | undefined }
  readonly changes: ReadonlyArray<ImageChange>
  readonly images: ReadonlyArray<ImageReport>
  /** What the revision it runs now says of its releases (its gehen tags). */
  readonly currentRelease: ReleaseTags
  /** Tags the rolled-back service may serve: the previous tags of its changed containers. */
  readonly previousTags: ReadonlyArray<string>
  /** The versions its url must serve once the run is done (the sha; for `gehen rollback`, the tag it returns to). */
  readonly expected: ReadonlyArray<string>
  /** How ECS deploys it (strategy, bake time, steps, circuit breaker, alarms, hooks), from DescribeServices. */
  readonly model: DeploymentModel
  /** Its test listener's url, checked before gehen lets a paused blue/green deployment go on. */
  readonly testUrl?: string | undefined
  /** ECS, CODE_DEPLOY or EXTERNAL. */
  readonly controller: string
  /** timeoutMinutes plus its bake time and linear/canary step bake times. */
  readonly drainDeadlineMinutes: number
  /** Its current service deployment, as DescribeServices names it. */
  readonly currentServiceDeployment?: string | undefined
  /** `gehen rollback`: where the revision it returns to was found. */
  readonly revertSource?: RevertSource | undefined
  /** The version its url served before the run (the pre-flight): what its restore must serve again. */
  readonly servedBefore?: string | undefined
}

/** The plan for one scheduled task (an EventBridge rule with one ECS target). */
export interface ScheduledTaskPlan {
  /** Its key in gehen.yml (a rule name or ARN). */
  readonly key: string
  readonly target: ScheduledTaskTarget
  readonly region: string
  readonly rule: string
  readonly ruleRef: RuleRef
  /** The rule's one target, as EventBridge has it: what a rollback puts back. */
  readonly ecsTarget: Target
  readonly currentTaskDefinition: string
  /** None when nothing changes (left alone by the strategy, or every image already has the tag). */
  readonly revision: Option.Option<Revision>
  /** The update strategy leaves rules alone (`none`, `redeploy`: a rule has no deployment to force). */
  readonly untouched: boolean
  /** Its targeted containers already run the sha. */
  readonly unchanged: boolean
  readonly changes: ReadonlyArray<ImageChange>
  readonly images: ReadonlyArray<ImageReport>
  /** What the revision it runs now says of its releases (its gehen tags). */
  readonly currentRelease: ReleaseTags
  /** The tags its targeted containers run now. */
  readonly previousTags: ReadonlyArray<string>
  /** `gehen rollback`: where the revision it returns to was found. */
  readonly revertSource?: RevertSource | undefined
}

export interface DeployPlan {
  readonly gitsha: string
  readonly updateStrategy: UpdateStrategy
  readonly services: ReadonlyArray<ServicePlan>
  readonly scheduledTasks: ReadonlyArray<ScheduledTaskPlan>
  /** What the pre-flight saw; absent when it was off. */
  readonly preflight?: PreflightSeen | undefined
}

/** What one url answered before the run. */
export interface UrlSeen {
  readonly kind: "url" | "testUrl"
  readonly url: string
  readonly result: ProbeResult
}

/** What the pre-flight saw, for the plan's report. */
export interface PreflightSeen {
  /** By service key in gehen.yml. */
  readonly urls: ReadonlyMap<string, ReadonlyArray<UrlSeen>>
  /** By image reference. */
  readonly images: ReadonlyMap<string, ImageCheck>
}
