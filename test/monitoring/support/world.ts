// A served world for the monitoring tests: the test world's shape (api with a url in
// prod-a, worker in prod-b, the nightly rule) with docker labels on the first containers
// and marker secrets in task-definition environments, in the CLI's credentials and in
// the process environment, so every receiver's payload can be searched for them.
import { Effect } from "effect"
import {
  type Behaviour,
  byImageTag,
  Simulator,
  type SimulatorApi,
  startSimServerPromise
} from "../../../src/testing/index.js"
import { cliEnv, QUICK, startCli, writeConfig } from "../../support/subprocess.js"
import { ACCOUNT, OLD, SHA } from "../../support/world.js"

export { SHA }

export const MARKERS = {
  taskEnv: "TASKENV-c0ffee-4b1d",
  taskSecret: "arn:aws:ssm:us-east-1:123456789012:parameter/SECRETPARAM-8e1d",
  awsSecret: "AWSSECRET-77f3a9c2",
  processEnv: "PROCESSENV-5c4d2a90"
} as const

/** The new version turns unhealthy: the deploy fails and everything is rolled back. */
export const FAILING: Behaviour = { kind: "unhealthy", startAfter: 0.1, healthyAfter: 0.3, replaceAfter: 0.2 }
/** The new version never drains: the run waits until a signal or its deadline. */
export const NEVER_DRAINS: Behaviour = { kind: "never-drain", startAfter: 0.1, healthyAfter: 0.2 }

const seed = (sim: SimulatorApi) =>
  Effect.gen(function*() {
    yield* sim.addCluster("prod-a", "us-east-1")
    const clusterB = yield* sim.addCluster("prod-b", "us-west-2")
    const api = yield* sim.seedTaskDefinition("us-east-1", {
      family: "api",
      containerDefinitions: [{
        name: "app",
        image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api:${OLD}`,
        memory: 256,
        dockerLabels: {
          team: "core",
          tier: "web",
          "com.datadoghq.ad.logs": `[{"source":"api","service":"api"}]`
        },
        environment: [{ name: "API_TOKEN", value: MARKERS.taskEnv }],
        secrets: [{ name: "DB_PASSWORD", valueFrom: MARKERS.taskSecret }]
      }]
    })
    const worker = yield* sim.seedTaskDefinition("us-west-2", {
      family: "worker",
      containerDefinitions: [
        {
          name: "worker",
          image: `registry.example.com:5000/team/worker:${OLD}`,
          memory: 256,
          dockerLabels: { team: "jobs" }
        },
        {
          name: "log-router",
          image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.0",
          memory: 64,
          dockerLabels: { team: "sidecar" }
        }
      ]
    })
    const report = yield* sim.seedTaskDefinition("us-east-1", {
      family: "report",
      containerDefinitions: [{
        name: "report",
        image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/report:${OLD}`,
        memory: 128,
        dockerLabels: { job: "nightly" },
        environment: [{ name: "REPORT_TOKEN", value: MARKERS.taskEnv }]
      }]
    })
    yield* sim.addService({ cluster: "prod-a", name: "api", taskDefinition: api, region: "us-east-1", desiredCount: 2 })
    yield* sim.addService({
      cluster: clusterB,
      name: "worker",
      taskDefinition: worker,
      region: "us-west-2",
      desiredCount: 2
    })
    yield* sim.addRule({
      name: "nightly",
      region: "us-east-1",
      target: {
        Id: "nightly-report",
        Arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod-a`,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsEventsRole`,
        EcsParameters: { TaskDefinitionArn: report, TaskCount: 1, LaunchType: "FARGATE" }
      }
    })
    return { api, worker, report, clusterB }
  })

export interface MonitoredWorld {
  readonly path: string
  readonly dir: string
  /** A CI job's environment pointed at the world (no monitoring variable). */
  readonly env: NodeJS.ProcessEnv
  readonly close: () => Promise<void>
  /** Runs `gehen deploy --gitsha SHA` with the world's environment plus `extra`. */
  readonly deploy: (extra: Record<string, string>, args?: ReadonlyArray<string>) => ReturnType<typeof startCli>
}

/** A world served over HTTP; `byTag` scripts the rollout of each image tag (quick and healthy otherwise). */
export const startMonitoredWorld = async (byTag: Readonly<Record<string, Behaviour>> = {}): Promise<MonitoredWorld> => {
  const sim = await Effect.runPromise(Simulator.make({ behaviour: byImageTag(byTag, QUICK) }))
  const world = await Effect.runPromise(seed(sim))
  const server = await startSimServerPromise(sim)
  const { dir, path } = writeConfig(`
services:
  api:
    cluster: prod-a
    url: ${server.url}/version/prod-a/api
  worker:
    cluster: ${world.clusterB}
    containers: [worker]
scheduledTasks:
  nightly:
timeoutMinutes: 0.1
checkIntervalSeconds: 0.2
`)
  const env = cliEnv(server.url, dir, {
    NO_COLOR: "1",
    AWS_SECRET_ACCESS_KEY: MARKERS.awsSecret,
    DEPLOY_TOKEN: MARKERS.processEnv
  })
  return {
    path,
    dir,
    env,
    close: server.close,
    deploy: (extra, args = []) => startCli(["deploy", "--gitsha", SHA, "--path", path, ...args], { ...env, ...extra })
  }
}
