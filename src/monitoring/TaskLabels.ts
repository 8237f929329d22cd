import type { ContainerDefinition } from "@aws-sdk/client-ecs"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { clusterName } from "../config/Names.js"
import { type TargetId, targetKey } from "../domain/Targets.js"
import { Ecs, type EcsApi } from "../ports/Ecs.js"
import { ScheduledTasks, type ScheduledTasksApi } from "../ports/ScheduledTasks.js"
import { dockerLabelTags } from "./DatadogEvents.js"
import type { TargetFacts } from "./RunSummary.js"

/**
 * The docker labels of each target's task definition, for the Datadog tags, learnt by
 * watching the answers the AWS ports give the programs (no call of its own): labels by
 * task definition from DescribeTaskDefinition and RegisterTaskDefinition, and each
 * target's task definition from its update (UpdateService, PutTargets), else from what
 * it runs (DescribeServices, ListTargetsByRule).
 */
export interface TaskLabels {
  /** Runs `self` with its Ecs and ScheduledTasks watched. */
  readonly observe: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Ecs | ScheduledTasks>
  /** A target's label tags: those of `taskDefinition` when known, else of the task definition seen for it. */
  readonly tagsOf: (target: TargetFacts, taskDefinition?: string | null) => Effect.Effect<ReadonlyArray<string>>
}

interface Seen {
  /** Label tags by task definition ARN. */
  readonly labels: ReadonlyMap<string, ReadonlyArray<string>>
  /** By target key: the task definition its forward update moved it to. */
  readonly updatedTo: ReadonlyMap<string, string>
  /** By target key: the task definition it ran when first described. */
  readonly running: ReadonlyMap<string, string>
}

const firstContainerTags = (containers: ReadonlyArray<ContainerDefinition> | undefined): ReadonlyArray<string> =>
  dockerLabelTags(containers?.[0]?.dockerLabels)

const serviceKey = (region: string, cluster: string, service: string) =>
  targetKey({ kind: "service", name: service, cluster: clusterName(cluster), region })

const ruleKey = (
  rule: { readonly region: string; readonly rule: string; readonly eventBusName?: string | undefined }
) => targetKey({ kind: "scheduled-task", name: rule.rule, region: rule.region, eventBusName: rule.eventBusName })

const keyOfFacts = (t: TargetFacts & { readonly eventBusName?: string | undefined }): string =>
  t.kind === "service"
    ? serviceKey(t.region, t.cluster ?? "", t.name)
    : targetKey(
      { kind: "scheduled-task", name: t.name, region: t.region, eventBusName: t.eventBusName } satisfies TargetId
    )

export const makeTaskLabels: Effect.Effect<TaskLabels> = Effect.gen(function*() {
  const seen = yield* Ref.make<Seen>({ labels: new Map(), updatedTo: new Map(), running: new Map() })
  const labelled = (arn: string | undefined, tags: ReadonlyArray<string>) =>
    arn === undefined ? Effect.void : Ref.update(seen, (s) => ({ ...s, labels: new Map(s.labels).set(arn, tags) }))
  // The first update is the forward one; a restore later must not change the tags.
  const updated = (key: string, arn: string | undefined) =>
    arn === undefined
      ? Effect.void
      : Ref.update(seen, (s) => (s.updatedTo.has(key) ? s : { ...s, updatedTo: new Map(s.updatedTo).set(key, arn) }))
  const running = (key: string, arn: string | undefined) =>
    arn === undefined
      ? Effect.void
      : Ref.update(seen, (s) => (s.running.has(key) ? s : { ...s, running: new Map(s.running).set(key, arn) }))

  const watchEcs = (ecs: EcsApi): EcsApi => ({
    ...ecs,
    describeServices: (cluster, names) =>
      Effect.tap(
        ecs.describeServices(cluster, names),
        (found) =>
          Effect.forEach(found, (l) => (l._tag === "Found"
            ? running(serviceKey(cluster.region, cluster.cluster, l.name), l.state.taskDefinition)
            : Effect.void), {
            discard: true
          })
      ),
    describeTaskDefinition: (region, taskDefinition) =>
      Effect.tap(
        ecs.describeTaskDefinition(region, taskDefinition),
        (d) => labelled(d.taskDefinition.taskDefinitionArn, firstContainerTags(d.taskDefinition.containerDefinitions))
      ),
    registerTaskDefinition: (region, input) =>
      Effect.tap(
        ecs.registerTaskDefinition(region, input),
        (arn) => labelled(arn, firstContainerTags(input.containerDefinitions))
      ),
    updateService: (service, taskDefinitionArn) =>
      Effect.tap(
        ecs.updateService(service, taskDefinitionArn),
        () => updated(serviceKey(service.region, service.cluster, service.service), taskDefinitionArn)
      )
  })

  const watchRules = (rules: ScheduledTasksApi): ScheduledTasksApi => ({
    targetsOf: (rule) =>
      Effect.tap(
        rules.targetsOf(rule),
        (targets) =>
          targets.length === 1 ? running(ruleKey(rule), targets[0]?.EcsParameters?.TaskDefinitionArn) : Effect.void
      ),
    putTarget: (rule, target) =>
      Effect.tap(rules.putTarget(rule, target), () => updated(ruleKey(rule), target.EcsParameters?.TaskDefinitionArn))
  })

  return {
    observe: (self) => self.pipe(Effect.updateService(Ecs, watchEcs), Effect.updateService(ScheduledTasks, watchRules)),
    tagsOf: (target, taskDefinition) =>
      Effect.map(Ref.get(seen), (s) => {
        const key = keyOfFacts(target)
        const arn = (taskDefinition !== null && taskDefinition !== undefined && s.labels.has(taskDefinition))
          ? taskDefinition
          : s.updatedTo.get(key) ?? s.running.get(key)
        return arn === undefined ? [] : s.labels.get(arn) ?? []
      })
  }
})
