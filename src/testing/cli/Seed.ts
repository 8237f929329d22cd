/** Applies a SeedPlan to a simulator (seeding is not recorded as AWS calls). */
import type { ContainerDefinition } from "@aws-sdk/client-ecs"
import * as Effect from "effect/Effect"
import type { SimulatorApi } from "../Simulator.js"
import type { SeedContainer, SeedPlan } from "./Plan.js"

const containerDefinitions = (containers: ReadonlyArray<SeedContainer>): Array<ContainerDefinition> =>
  containers.map((c) => ({
    name: c.name,
    image: c.image,
    // A log router may stop without taking the task down, as in AWS's FireLens examples.
    essential: !c.sidecar,
    memory: c.sidecar ? 64 : 256
  }))

/** Every service steady on its one task definition (2 tasks), every rule with its one ECS target. */
export const seedFromPlan = (sim: SimulatorApi, plan: SeedPlan): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (const s of plan.services) {
      yield* sim.addCluster(s.cluster, s.region)
      const taskDefinition = yield* sim.seedTaskDefinition(s.region, {
        family: s.family,
        containerDefinitions: containerDefinitions(s.containers)
      })
      yield* sim.addService({ cluster: s.cluster, name: s.name, taskDefinition, region: s.region, desiredCount: 2 })
    }
    for (const r of plan.rules) {
      const clusterArn = yield* sim.addCluster(r.cluster, r.region)
      const taskDefinition = yield* sim.seedTaskDefinition(r.region, {
        family: r.family,
        containerDefinitions: containerDefinitions(r.containers)
      })
      yield* sim.addRule({
        name: r.name,
        region: r.region,
        eventBusName: r.eventBusName,
        scheduleExpression: "rate(1 day)",
        target: {
          Id: r.name.slice(0, 64),
          Arn: clusterArn,
          RoleArn: `arn:aws:iam::${plan.accountId}:role/ecsEventsRole`,
          EcsParameters: { TaskDefinitionArn: taskDefinition, TaskCount: 1, LaunchType: "FARGATE" }
        }
      })
    }
  })
