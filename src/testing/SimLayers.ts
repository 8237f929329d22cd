/**
 * Face 1: the simulator as the deploy programs' ports (Ecs, ScheduledTasks,
 * DefaultRegion, VersionProbe), each call recorded and fault-injected like the HTTP face.
 */
import type { Target } from "@aws-sdk/client-eventbridge"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type DescribedTaskDefinition, Ecs, type EcsApi, type ServiceLookup } from "../ports/Ecs.js"
import {
  startedDeploymentOf,
  toServiceDeploymentBrief,
  toServiceDeploymentState,
  toServiceState,
  toTaskState
} from "../aws/EcsAnswers.js"
import type { ServiceDeploymentBrief } from "../ports/ServiceDeployments.js"
import { AwsCallError, MissingRegion, PutTargetsRejected } from "../ports/Errors.js"
import { Identity } from "../ports/Identity.js"
import { DefaultRegion } from "../ports/Region.js"
import { ScheduledTasks, type ScheduledTasksApi } from "../ports/ScheduledTasks.js"
import { versionOfServer } from "../domain/ServedVersion.js"
import type { ClusterRef } from "../domain/Targets.js"
import { type ProbeResult, VersionProbe } from "../ports/VersionProbe.js"
import { shortName, type SimAwsError } from "./SimFaults.js"
import { makeSimulator, type SimulatorApi, type SimulatorOptions } from "./Simulator.js"

export interface SimLayerOptions {
  /** What DefaultRegion answers; `null` makes it fail with MissingRegion. Default: the model's default region. */
  readonly region?: string | null | undefined
  /**
   * Attempts per AWS call, retrying throttles and 5xx without delay like the SDK
   * would. Default 1: every injected fault reaches the program as AwsCallError.
   */
  readonly sdkMaxAttempts?: number | undefined
  /** How many service events `ServiceState.recentEvents` carries; default 5. */
  readonly recentEvents?: number | undefined
}

const throttlingCodes = ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"]
const retryable = (e: SimAwsError): boolean => e.status >= 500 || throttlingCodes.includes(e.code)

const chunks = <A>(as: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < as.length; i += size) out.push(as.slice(i, i + size))
  return out
}

/**
 * `http://<anything>/version/<cluster>/<service>` (or `/version/<region>/<cluster>/<service>`);
 * `/version-test/...` is the service's test listener.
 */
export const parseVersionUrl = (
  url: string
):
  | {
    readonly region?: string | undefined
    readonly cluster: string
    readonly service: string
    readonly listener: "production" | "test"
  }
  | undefined =>
{
  let path: string
  try {
    path = new URL(url).pathname
  } catch {
    return undefined
  }
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent)
  if (parts[0] !== "version" && parts[0] !== "version-test") return undefined
  const listener = parts[0] === "version" ? "production" : "test"
  if (parts.length === 3 && parts[1] !== undefined && parts[2] !== undefined) return { cluster: parts[1], service: parts[2], listener }
  if (parts.length === 4 && parts[1] !== undefined && parts[2] !== undefined && parts[3] !== undefined) {
    return { region: parts[1], cluster: parts[2], service: parts[3], listener }
  }
  return undefined
}

/** The `Server` header a simulated service's version url answers with: `<service>-<served image tag>`. */
export const versionServerHeader = (service: string, tag: string): string => `${service}-${tag}`

/** The ports, backed by `sim`. */
export const simulatorServices = (sim: SimulatorApi, options: SimLayerOptions = {}) => {
  const m = sim.model
  const attempts = Math.max(1, options.sdkMaxAttempts ?? 1)
  const recent = options.recentEvents ?? 5

  const call = <A>(operation: string, region: string, params: object, run: (now: number) => A) => {
    const once = sim.invoke(operation, region, params, run)
    const tried = attempts <= 1 ? once : Effect.retry(once, { times: attempts - 1, while: retryable })
    return Effect.mapError(
      tried,
      (e) => new AwsCallError({ operation, region, code: e.code, detail: e.detail })
    )
  }

  const listTaskPages = (
    region: string,
    cluster: string,
    service: string,
    desiredStatus: "RUNNING" | "STOPPED",
    token: string | undefined,
    acc: ReadonlyArray<string>
  ): Effect.Effect<ReadonlyArray<string>, AwsCallError> => {
    const params = {
      cluster,
      serviceName: service,
      desiredStatus,
      maxResults: 100,
      ...(token === undefined ? {} : { nextToken: token })
    }
    return Effect.flatMap(call("ListTasks", region, params, (now) => m.listTasks(region, params, now)), (res) => {
      const all = [...acc, ...(res.taskArns ?? [])]
      return res.nextToken === undefined ? Effect.succeed(all) : listTaskPages(region, cluster, service, desiredStatus, res.nextToken, all)
    })
  }

  const targetPages = (
    region: string,
    rule: string,
    eventBusName: string | undefined,
    token: string | undefined,
    acc: ReadonlyArray<Target>
  ): Effect.Effect<ReadonlyArray<Target>, AwsCallError> => {
    const params = {
      Rule: rule,
      ...(eventBusName === undefined ? {} : { EventBusName: eventBusName }),
      ...(token === undefined ? {} : { NextToken: token })
    }
    return Effect.flatMap(call("ListTargetsByRule", region, params, () => m.listTargetsByRule(region, params)), (res) => {
      const all = [...acc, ...(res.Targets ?? [])]
      return res.NextToken === undefined ? Effect.succeed(all) : targetPages(region, rule, eventBusName, res.NextToken, all)
    })
  }

  const ecs: EcsApi = {
    describeServices: (ref: ClusterRef, names) => {
      const params = { cluster: ref.cluster, services: [...names] }
      return Effect.map(call("DescribeServices", ref.region, params, (now) => m.describeServices(ref.region, params, now)), (res) =>
        names.map((name): ServiceLookup => {
          const found = (res.services ?? []).find((s) => s.serviceName === shortName(name) || s.serviceArn === name)
          if (found !== undefined) return { _tag: "Found", name, state: toServiceState(found, recent) }
          const failure = (res.failures ?? []).find((f) => f.arn !== undefined && shortName(f.arn) === shortName(name))
          return { _tag: "Missing", name, reason: failure?.reason ?? "MISSING" }
        }))
    },
    describeTaskDefinition: (region, taskDefinition) => {
      const params = { taskDefinition, include: ["TAGS" as const] }
      return Effect.flatMap(
        call("DescribeTaskDefinition", region, params, () => m.describeTaskDefinition(region, params)),
        (res): Effect.Effect<DescribedTaskDefinition, AwsCallError> =>
          res.taskDefinition === undefined
            ? Effect.fail(
              new AwsCallError({
                operation: "DescribeTaskDefinition",
                region,
                code: "ClientException",
                detail: "Unable to describe task definition."
              })
            )
            : Effect.succeed({ taskDefinition: res.taskDefinition, tags: res.tags ?? [] })
      )
    },
    listTaskDefinitions: (region, family) => {
      const pages = (token: string | undefined, acc: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<string>, AwsCallError> => {
        const params = { familyPrefix: family, status: "ACTIVE" as const, sort: "DESC" as const, ...(token === undefined ? {} : { nextToken: token }) }
        return Effect.flatMap(call("ListTaskDefinitions", region, params, () => m.listTaskDefinitions(region, params)), (res) => {
          // familyPrefix is a prefix: keep the family's own revisions.
          const mine = (res.taskDefinitionArns ?? []).filter((arn) => arn.split("/").pop()?.replace(/:\d+$/, "") === family)
          return res.nextToken === undefined ? Effect.succeed([...acc, ...mine]) : pages(res.nextToken, [...acc, ...mine])
        })
      }
      return pages(undefined, [])
    },
    registerTaskDefinition: (region, input) =>
      Effect.map(
        call("RegisterTaskDefinition", region, input, (now) => m.registerTaskDefinition(region, input, now)),
        (res) => res.taskDefinition?.taskDefinitionArn ?? ""
      ),
    updateService: (ref, taskDefinitionArn) => {
      const params = { cluster: ref.cluster, service: ref.service, taskDefinition: taskDefinitionArn, forceNewDeployment: true }
      return Effect.map(
        call("UpdateService", ref.region, params, (now) => m.updateService(ref.region, params, now)),
        (res) => startedDeploymentOf(res.service)
      )
    },
    listServiceDeployments: (ref, createdAfter) => {
      const pages = (
        token: string | undefined,
        acc: ReadonlyArray<ServiceDeploymentBrief>
      ): Effect.Effect<ReadonlyArray<ServiceDeploymentBrief>, AwsCallError> => {
        const params = {
          cluster: ref.cluster,
          service: ref.service,
          ...(createdAfter === undefined ? {} : { createdAt: { after: new Date(createdAfter) } }),
          ...(token === undefined ? {} : { nextToken: token })
        }
        return Effect.flatMap(
          call("ListServiceDeployments", ref.region, params, (now) => m.listServiceDeployments(ref.region, params, now)),
          (res) => {
            const all = [...acc, ...(res.serviceDeployments ?? []).map(toServiceDeploymentBrief)]
            return res.nextToken === undefined ? Effect.succeed(all) : pages(res.nextToken, all)
          }
        )
      }
      return pages(undefined, [])
    },
    describeServiceDeployments: (region, arns) =>
      Effect.map(
        Effect.forEach(arns.length === 0 ? [[]] : chunks(arns, 20), (group) => {
          const params = { serviceDeploymentArns: [...group] }
          return call("DescribeServiceDeployments", region, params, (now) => m.describeServiceDeployments(region, params, now))
        }),
        (answers) => answers.flatMap((a) => (a.serviceDeployments ?? []).map(toServiceDeploymentState))
      ),
    describeServiceRevisions: (region, arns) =>
      arns.length === 0 ? Effect.succeed([]) : Effect.map(
        Effect.forEach(chunks(arns, 20), (group) => {
          const params = { serviceRevisionArns: [...group] }
          return call("DescribeServiceRevisions", region, params, () => m.describeServiceRevisions(region, params))
        }),
        (answers) =>
          answers.flatMap((a) =>
            (a.serviceRevisions ?? []).flatMap((r) =>
              r.serviceRevisionArn === undefined || r.taskDefinition === undefined
                ? []
                : [{ arn: r.serviceRevisionArn, taskDefinition: r.taskDefinition }]
            )
          )
      ),
    stopServiceDeployment: (region, arn) => {
      const params = { serviceDeploymentArn: arn, stopType: "ROLLBACK" as const }
      return Effect.asVoid(call("StopServiceDeployment", region, params, (now) => m.stopServiceDeployment(region, params, now)))
    },
    continueServiceDeployment: (region, arn, hookId, action) => {
      const params = { serviceDeploymentArn: arn, hookId, action }
      return Effect.asVoid(
        call("ContinueServiceDeployment", region, params, (now) => m.continueServiceDeployment(region, params, now))
      )
    },
    listTasks: (ref, desiredStatus = "RUNNING") => listTaskPages(ref.region, ref.cluster, ref.service, desiredStatus, undefined, []),
    describeTasks: (ref, taskArns) => {
      // An empty list still goes to "AWS", which rejects it, as the real API would.
      const groups = taskArns.length === 0 ? [[]] : chunks(taskArns, 100)
      return Effect.map(
        Effect.forEach(groups, (group) => {
          const params = { cluster: ref.cluster, tasks: [...group] }
          return call("DescribeTasks", ref.region, params, (now) => m.describeTasks(ref.region, params, now))
        }),
        (answers) => answers.flatMap((a) => (a.tasks ?? []).map(toTaskState))
      )
    }
  }

  const scheduled: ScheduledTasksApi = {
    targetsOf: ({ region, rule, eventBusName }) => targetPages(region, rule, eventBusName, undefined, []),
    putTarget: ({ region, rule, eventBusName }, target) => {
      const params = { Rule: rule, ...(eventBusName === undefined ? {} : { EventBusName: eventBusName }), Targets: [target] }
      return Effect.flatMap(call("PutTargets", region, params, () => m.putTargets(region, params)), (res) =>
        (res.FailedEntryCount ?? 0) > 0
          ? Effect.fail(
            new PutTargetsRejected({
              rule,
              region,
              failures: (res.FailedEntries ?? []).map((f) => ({
                targetId: f.TargetId ?? "",
                code: f.ErrorCode ?? "",
                message: f.ErrorMessage ?? ""
              }))
            })
          )
          : Effect.void)
    }
  }

  const region = options.region === undefined ? m.defaultRegion : options.region
  const defaultRegion = {
    get: region === null
      ? Effect.fail(new MissingRegion({ reason: "the simulator was given no default region" }))
      : Effect.succeed(region)
  }

  // Like the live probe: the version is read off the Server header, so a tag with
  // dashes is cut at its last dash exactly as in production.
  const probe = {
    probe: (url: string): Effect.Effect<ProbeResult> => {
      const target = parseVersionUrl(url)
      if (target === undefined) return Effect.succeed({ _tag: "NotReady", reason: `the simulator serves no ${url}` })
      return Effect.map(sim.servedVersion(target.cluster, target.service, target.region, target.listener), (tag): ProbeResult => {
        if (tag === undefined) return { _tag: "NotReady", reason: `no task of ${target.service} (${target.cluster}) serves yet` }
        const server = versionServerHeader(target.service, tag)
        const version = versionOfServer(server)
        return version === undefined
          ? { _tag: "NotReady", reason: `Server header "${server}" has no version (expected <name>-<version>)` }
          : { _tag: "Served", version, server }
      })
    }
  }

  // The caller of the layer face is the simulated account's deployer (no keys to sign with).
  const identity = {
    whoAmI: (region: string) =>
      Effect.map(call("GetCallerIdentity", region, {}, () => m.callerIdentity(undefined)), (who) => ({
        account: who.Account,
        arn: who.Arn
      }))
  }

  return { ecs, scheduled, defaultRegion, probe, identity }
}

const simulatorLayer = (
  sim: SimulatorApi,
  options: SimLayerOptions = {}
): Layer.Layer<Ecs | ScheduledTasks | DefaultRegion | VersionProbe | Identity | Simulator> => {
  const s = simulatorServices(sim, options)
  return Layer.mergeAll(
    Layer.succeed(Ecs, s.ecs),
    Layer.succeed(Identity, s.identity),
    Layer.succeed(ScheduledTasks, s.scheduled),
    Layer.succeed(DefaultRegion, s.defaultRegion),
    Layer.succeed(VersionProbe, s.probe),
    Layer.succeed(Simulator, sim)
  )
}

const freshLayer = (
  options: SimulatorOptions & SimLayerOptions = {}
): Layer.Layer<Ecs | ScheduledTasks | DefaultRegion | VersionProbe | Identity | Simulator> =>
  Layer.unwrapEffect(Effect.map(makeSimulator(options), (sim) => simulatorLayer(sim, options)))

/**
 * The simulator in the context. `Simulator.make(options)` creates one,
 * `Simulator.layer(sim)` provides the ports backed by it (and the simulator itself),
 * `Simulator.layerFresh(options)` does both.
 */
export class Simulator extends Context.Tag("gehen/testing/Simulator")<Simulator, SimulatorApi>() {
  static readonly make = makeSimulator
  static readonly layer = simulatorLayer
  static readonly layerFresh = freshLayer
}
