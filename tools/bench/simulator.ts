/** Seeding the simulator: N services in clusters of a given size, their gehen.yml, and the rollout they follow. */
import * as Effect from "effect/Effect"
import type { Behaviour, DeploymentSpec, SimulatorApi } from "../../src/testing/index.js"

export const REGION = "us-east-1"
/** The sha the bench deploys, and the tag every service runs before. */
export const SHA = "be4c0ffee1234567"
export const OLD = "0ldbe4c0ffee"

/** Tasks run at 0.3 R and turn healthy at 0.6 R; the old tasks are gone by R. */
export const rolloutFor = (seconds: number): Behaviour => ({
  kind: "healthy",
  startAfter: 0.3 * seconds,
  healthyAfter: 0.6 * seconds,
  drainAfter: 0.4 * seconds
})

export interface Placed {
  readonly name: string
  readonly cluster: string
}

const clusterName = (i: number) => `bench-${i + 1}`
const serviceName = (i: number) => `svc-${String(i + 1).padStart(3, "0")}`

/** Where N services go: `svc-001`…, `clusterSize` to a cluster (`bench-1`, `bench-2`, …), in order. */
export const placement = (n: number, clusterSize: number): ReadonlyArray<Placed> =>
  Array.from({ length: n }, (_, i) => ({ name: serviceName(i), cluster: clusterName(Math.floor(i / clusterSize)) }))

/** Services per cluster, keyed `region/name` as `pollStats` keys them. */
export const servicesByCluster = (placed: ReadonlyArray<Placed>): Readonly<Record<string, number>> => {
  const counts: Record<string, number> = {}
  for (const s of placed) counts[`${REGION}/${s.cluster}`] = (counts[`${REGION}/${s.cluster}`] ?? 0) + 1
  return counts
}

/** One task-definition family per service (as in a real account), each service running the OLD tag. */
export const seed = (
  sim: SimulatorApi,
  placed: ReadonlyArray<Placed>,
  desiredCount: number,
  deployment?: DeploymentSpec
): Effect.Effect<void> =>
  Effect.forEach(placed, ({ cluster, name }) =>
    Effect.gen(function*() {
      const td = yield* sim.seedTaskDefinition(REGION, {
        family: name,
        containerDefinitions: [{
          name: "app",
          image: `123456789012.dkr.ecr.${REGION}.amazonaws.com/${name}:${OLD}`,
          memory: 256
        }]
      })
      yield* sim.addService({ cluster, name, taskDefinition: td, region: REGION, desiredCount, deployment })
    }), { discard: true })

/** A blue/green service bakes for half the rollout: its stages and bake time run on top of R. */
export const blueGreenFor = (rolloutSeconds: number): DeploymentSpec => ({
  strategy: "BLUE_GREEN",
  bakeTimeInMinutes: rolloutSeconds / 120
})

/** gehen.yml for the placed services, each with a version url on the simulator's server. */
export const configYaml = (
  placed: ReadonlyArray<Placed>,
  serverUrl: string,
  settings: {
    readonly rolloutSeconds: number
    readonly intervalSeconds: number
    readonly concurrency?: number | undefined
  }
): string => {
  const lines = [
    "services:",
    ...placed.flatMap((
      s
    ) => [`  ${s.name}:`, `    cluster: ${s.cluster}`, `    url: ${serverUrl}/version/${s.cluster}/${s.name}`]),
    `timeoutMinutes: ${Math.max(1, Math.ceil((3 * settings.rolloutSeconds) / 60))}`,
    `checkIntervalSeconds: ${settings.intervalSeconds}`,
    ...(settings.concurrency === undefined ? [] : [`concurrency: ${settings.concurrency}`])
  ]
  return `${lines.join("\n")}\n`
}
