import type { Failure, Service } from "@aws-sdk/client-ecs"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ClusterRef } from "../domain/Targets.js"
import { familyOf } from "../domain/TaskDefinitionArn.js"
import { Ecs, type EcsApi, type ServiceLookup } from "../ports/Ecs.js"
import { AwsCallError } from "../ports/Errors.js"
import { AwsClients } from "./AwsClients.js"
import { awsCall } from "./call.js"
import {
  startedDeploymentOf,
  toServiceDeploymentBrief,
  toServiceDeploymentState,
  toServiceState,
  toTaskState
} from "./EcsAnswers.js"

// API limits: DescribeServices takes at most 10 names, DescribeTasks at most 100 ARNs.
const DESCRIBE_SERVICES_MAX = 10
const DESCRIBE_TASKS_MAX = 100
// DescribeServiceDeployments takes at most 20 ARNs.
const DESCRIBE_SERVICE_DEPLOYMENTS_MAX = 20

// A name in gehen.yml may be a service name or a service ARN (…:service/<cluster>/<name>).
const isArnOf = (name: string, arn: string | undefined) =>
  arn !== undefined && (arn === name || arn.endsWith(`/${name}`))

/** The answer for one asked-for name, in the order asked. */
const lookup = (name: string, services: ReadonlyArray<Service>, failures: ReadonlyArray<Failure>): ServiceLookup => {
  const found = services.find((s) => s.serviceName === name || isArnOf(name, s.serviceArn))
  if (found !== undefined) return { _tag: "Found", name, state: toServiceState(found) }
  const failure = failures.find((f) => isArnOf(name, f.arn))
  return {
    _tag: "Missing",
    name,
    reason: failure === undefined
      ? "not in the DescribeServices answer"
      : [failure.reason, failure.detail].filter((x) => x !== undefined).join(": ") || "MISSING"
  }
}

/**
 * An endpoint that does not speak an operation (an emulator such as moto answers it with
 * an HTML error page, which the SDK cannot parse) fails as `NotImplemented`, so gehen
 * reads it as "not offered" and falls back.
 */
const unlessNotImplemented = <A>(answer: Promise<A>): Promise<A> =>
  answer.catch((e: unknown) => {
    const body = typeof e === "object" && e !== null && "$responseBodyText" in e ? String(e.$responseBodyText) : ""
    if (e instanceof Error && (e.name === "SyntaxError" || /not been implemented/i.test(body))) {
      const notImplemented = new Error(
        `the endpoint does not implement this operation: ${e.message.split("\n")[0] ?? ""}`
      )
      notImplemented.name = "NotImplemented"
      throw notImplemented
    }
    throw e
  })

const emptyAnswer = (operation: string, region: string, what: string) =>
  new AwsCallError({ operation, region, code: "EmptyResponse", detail: `the answer has no ${what}` })

/** The live `Ecs`, one SDK call per method (plus paging and chunking), over `AwsClients`. */
export const EcsLive: Layer.Layer<Ecs, never, AwsClients> = Layer.effect(
  Ecs,
  Effect.gen(function*() {
    const clients = yield* AwsClients
    // Loaded here, not at module top: `gehen --version` / `--help` must not pay for the SDK.
    const {
      DescribeServicesCommand,
      DescribeTaskDefinitionCommand,
      DescribeTasksCommand,
      RegisterTaskDefinitionCommand,
      UpdateServiceCommand,
      ListServiceDeploymentsCommand,
      DescribeServiceDeploymentsCommand,
      DescribeServiceRevisionsCommand,
      StopServiceDeploymentCommand,
      ContinueServiceDeploymentCommand,
      ListTasksCommand,
      TagResourceCommand,
      DeregisterTaskDefinitionCommand,
      paginateListTaskDefinitions,
      paginateListTasks
    } = yield* Effect.promise(() => import("@aws-sdk/client-ecs"))

    const describeServices: EcsApi["describeServices"] = (cluster: ClusterRef, serviceNames) =>
      Effect.gen(function*() {
        if (serviceNames.length === 0) return []
        const client = yield* clients.ecs(cluster.region)
        const answers = yield* Effect.forEach(Arr.chunksOf(serviceNames, DESCRIBE_SERVICES_MAX), (chunk) =>
          awsCall("DescribeServices", cluster.region, (abortSignal) =>
            client.send(new DescribeServicesCommand({ cluster: cluster.cluster, services: [...chunk] }), {
              abortSignal
            })).pipe(
              Effect.map((out) =>
                chunk.map((name) =>
                  lookup(name, out.services ?? [], out.failures ?? [])
                )
              )
            ))
        return answers.flat()
      })

    const describeTaskDefinition: EcsApi["describeTaskDefinition"] = (region, taskDefinition) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(region)
        const out = yield* awsCall(
          "DescribeTaskDefinition",
          region,
          (abortSignal) =>
            client.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ["TAGS"] }), { abortSignal })
        )
        if (out.taskDefinition === undefined) {
          return yield* emptyAnswer("DescribeTaskDefinition", region, "taskDefinition")
        }
        return { taskDefinition: out.taskDefinition, tags: out.tags ?? [] }
      })

    const registerTaskDefinition: EcsApi["registerTaskDefinition"] = (region, input) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(region)
        const out = yield* awsCall("RegisterTaskDefinition", region, (abortSignal) =>
          client.send(new RegisterTaskDefinitionCommand(input), { abortSignal }))
        const arn = out.taskDefinition?.taskDefinitionArn
        if (arn === undefined) {
          return yield* emptyAnswer("RegisterTaskDefinition", region, "taskDefinitionArn")
        }
        return arn
      })

    const tagTaskDefinition: EcsApi["tagTaskDefinition"] = (region, arn, tags) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(region)
        yield* awsCall("TagResource", region, (abortSignal) =>
          client.send(
            new TagResourceCommand({
              resourceArn: arn,
              tags: Object.entries(tags).map(([key, value]) => ({ key, value }))
            }),
            { abortSignal }
          ))
      })

    const deregisterTaskDefinition: EcsApi["deregisterTaskDefinition"] = (region, arn) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(region)
        yield* awsCall("DeregisterTaskDefinition", region, (abortSignal) =>
          client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }), { abortSignal }))
      })

    const updateService: EcsApi["updateService"] = (service, taskDefinitionArn) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(service.region)
        const answer = yield* awsCall("UpdateService", service.region, (abortSignal) =>
          client.send(
            new UpdateServiceCommand({
              cluster: service.cluster,
              service: service.service,
              taskDefinition: taskDefinitionArn,
              forceNewDeployment: true
            }),
            { abortSignal }
          ))
        return startedDeploymentOf(answer.service)
      })

    const listTasks: EcsApi["listTasks"] = (service, desiredStatus = "RUNNING") =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(service.region)
        return yield* awsCall("ListTasks", service.region, async (abortSignal) => {
          const arns: Array<string> = []
          // The extra argument reaches every page's client.send.
          for await (
            const page of paginateListTasks({ client }, {
              cluster: service.cluster,
              serviceName: service.service,
              desiredStatus
            }, {
              abortSignal
            })
          ) {
            arns.push(...(page.taskArns ?? []))
          }
          return arns
        })
      })

    const listTasksPage: EcsApi["listTasksPage"] = (service, options = {}) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(service.region)
        const page = yield* awsCall("ListTasks", service.region, (abortSignal) =>
          client.send(
            new ListTasksCommand({
              cluster: service.cluster,
              serviceName: service.service,
              desiredStatus: options.desiredStatus ?? "RUNNING",
              ...(options.nextToken === undefined ? {} : { nextToken: options.nextToken })
            }),
            { abortSignal }
          ))
        const nextToken = page.nextToken === undefined || page.nextToken === "" ? undefined : page.nextToken
        return { taskArns: page.taskArns ?? [], ...(nextToken === undefined ? {} : { nextToken }) }
      })

    const listTaskDefinitions: EcsApi["listTaskDefinitions"] = (region, family) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(region)
        return yield* awsCall("ListTaskDefinitions", region, async (abortSignal) => {
          const arns: Array<string> = []
          for await (
            const page of paginateListTaskDefinitions(
              { client },
              { familyPrefix: family, status: "ACTIVE", sort: "DESC" },
              { abortSignal }
            )
          ) {
            arns.push(...(page.taskDefinitionArns ?? []))
          }
          // familyPrefix is a prefix: keep the family's own revisions.
          return arns.filter((arn) => familyOf(arn) === family)
        })
      })

    const describeTasks: EcsApi["describeTasks"] = (cluster, taskArns) =>
      Effect.gen(function*() {
        if (taskArns.length === 0) return []
        const client = yield* clients.ecs(cluster.region)
        const chunks = yield* Effect.forEach(Arr.chunksOf(taskArns, DESCRIBE_TASKS_MAX), (chunk) =>
          awsCall("DescribeTasks", cluster.region, (abortSignal) =>
            client.send(new DescribeTasksCommand({ cluster: cluster.cluster, tasks: [...chunk] }), { abortSignal })))
        // Tasks gone since ListTasks come back as `failures` (MISSING); they are simply absent here.
        return chunks.flatMap((out) =>
          (out.tasks ?? []).map(toTaskState)
        )
      })

    const listServiceDeployments: EcsApi["listServiceDeployments"] = (service, options = {}) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(service.region)
        const page = yield* awsCall("ListServiceDeployments", service.region, (abortSignal) =>
          unlessNotImplemented(client.send(
            new ListServiceDeploymentsCommand({
              cluster: service.cluster,
              service: service.service,
              ...(options.createdAfter === undefined ? {} : { createdAt: { after: new Date(options.createdAfter) } }),
              ...(options.nextToken === undefined ? {} : { nextToken: options.nextToken })
            }),
            { abortSignal }
          )))
        const nextToken = page.nextToken === undefined || page.nextToken === "" ? undefined : page.nextToken
        return { deployments: (page.serviceDeployments ?? []).map(toServiceDeploymentBrief), nextToken }
      })

    const describeServiceDeployments: EcsApi["describeServiceDeployments"] = (region, arns) =>
      Effect.gen(function*() {
        if (arns.length === 0) return []
        const client = yield* clients.ecs(region)
        const chunks = yield* Effect.forEach(Arr.chunksOf(arns, DESCRIBE_SERVICE_DEPLOYMENTS_MAX), (chunk) =>
          awsCall("DescribeServiceDeployments", region, (abortSignal) =>
            unlessNotImplemented(
              client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [...chunk] }), { abortSignal })
            )))
        return chunks.flatMap((out) =>
          (out.serviceDeployments ?? []).map(toServiceDeploymentState)
        )
      })

    const describeServiceRevisions: EcsApi["describeServiceRevisions"] = (region, arns) =>
      Effect.gen(function*() {
        if (arns.length === 0) return []
        const client = yield* clients.ecs(region)
        const chunks = yield* Effect.forEach(Arr.chunksOf(arns, DESCRIBE_SERVICE_DEPLOYMENTS_MAX), (chunk) =>
          awsCall("DescribeServiceRevisions", region, (abortSignal) =>
            unlessNotImplemented(
              client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [...chunk] }), { abortSignal })
            )))
        return chunks.flatMap((out) =>
          (out.serviceRevisions ?? []).flatMap((r) =>
            r.serviceRevisionArn === undefined || r.taskDefinition === undefined
              ? []
              : [{ arn: r.serviceRevisionArn, taskDefinition: r.taskDefinition }]
          )
        )
      })

    const stopServiceDeployment: EcsApi["stopServiceDeployment"] = (region, arn) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(region)
        yield* awsCall("StopServiceDeployment", region, (abortSignal) =>
          client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ROLLBACK" }), {
            abortSignal
          }))
      })

    const continueServiceDeployment: EcsApi["continueServiceDeployment"] = (region, arn, hookId, action) =>
      Effect.gen(function*() {
        const client = yield* clients.ecs(region)
        yield* awsCall(
          "ContinueServiceDeployment",
          region,
          (abortSignal) =>
            client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action }), {
              abortSignal
            })
        )
      })

    return {
      listServiceDeployments,
      describeServiceDeployments,
      describeServiceRevisions,
      stopServiceDeployment,
      continueServiceDeployment,
      describeServices,
      describeTaskDefinition,
      listTaskDefinitions,
      registerTaskDefinition,
      tagTaskDefinition,
      deregisterTaskDefinition,
      updateService,
      listTasks,
      listTasksPage,
      describeTasks
    }
  })
)
