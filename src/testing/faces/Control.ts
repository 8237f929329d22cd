/**
 * The HTTP face's control endpoints (`/_sim/...`), so subprocess tests can seed, script and
 * inspect the simulator they cannot reach in-process. Bodies are JSON, checked here:
 * a malformed one is answered 400 with the reason.
 *
 * - `GET /_sim/calls`: the call record. `GET /_sim/services`: every service as it is now (DescribeServices shape).
 * - `POST /_sim/clear-calls`.
 * - `POST /_sim/fail-next`: a FailNextSpec (`operation`, filters, `times`, `code`, `message`, `status`,
 *   `asFailedEntry`, `answerAfterSeconds`, `landed`).
 * - `POST /_sim/faults`: `{throttleFraction?, serverErrorFraction?, seed?}`.
 * - `POST /_sim/behaviours`: a BehaviourSpec (`{byTag: {...}, fallback?}`, `{byService: {...}, fallback?}`, or a behaviour).
 * - `POST /_sim/describe-lag`: `{seconds, cluster?, service?, region?}` (without a service: the default for all).
 * - Seeding, each answering `{arn}`: `POST /_sim/clusters` `{name, region?}`, `POST /_sim/task-definitions`
 *   `{input, region?, tags?}`, `POST /_sim/services` (an AddServiceSpec; `deployment` sets its strategy, bake
 *   time, steps, alarms and hooks), `POST /_sim/rules` (an AddRuleSpec).
 */
import type { RegisterTaskDefinitionRequest, Tag } from "@aws-sdk/client-ecs"
import type { Target } from "@aws-sdk/client-eventbridge"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { choiceFromSpec, pickerOf } from "../model/Behaviour.js"
import type { FailNextSpec } from "../model/Faults.js"
import type { AddRuleSpec, AddServiceSpec, DeploymentSpec } from "../model/Model.js"
import { deploymentControllerTypes } from "../model/Records.js"
import type { SimulatorApi } from "../Simulator.js"
import { controlJson, type Reply, toWire } from "./Wire.js"

type Json = Readonly<Record<string, unknown>>

class Invalid extends Error {}

/** A body member checked for what the model relies on; the rest is kept as given (like the AWS operations do). */
const unchecked = <T>(v: unknown): T => v as T

const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)

const parseBody = (body: string): Json => {
  let v: unknown
  try {
    v = JSON.parse(body === "" ? "{}" : body)
  } catch {
    throw new Invalid("the body is not JSON")
  }
  if (!isJson(v)) throw new Invalid("the body must be a JSON object")
  return v
}

/** Typed reads of optional members; a member of the wrong type is Invalid. */
const reader = (b: Json) => {
  const str = (k: string): string | undefined => {
    const v = b[k]
    if (v === undefined) return undefined
    if (typeof v !== "string") throw new Invalid(`${k} must be a string`)
    return v
  }
  const num = (k: string): number | undefined => {
    const v = b[k]
    if (v === undefined) return undefined
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Invalid(`${k} must be a number`)
    return v
  }
  const bool = (k: string): boolean | undefined => {
    const v = b[k]
    if (v === undefined) return undefined
    if (typeof v !== "boolean") throw new Invalid(`${k} must be a boolean`)
    return v
  }
  const oneOf = <A extends string>(k: string, values: ReadonlyArray<A>): A | undefined => {
    const v = str(k)
    if (v === undefined) return undefined
    const hit = values.find((x) => x === v)
    if (hit === undefined) throw new Invalid(`${k} must be one of ${values.join(", ")}`)
    return hit
  }
  const required = <A>(k: string, v: A | undefined): A => {
    if (v === undefined) throw new Invalid(`${k} is required`)
    return v
  }
  return { str, num, bool, oneOf, required }
}

const failNextSpec = (b: Json): FailNextSpec => {
  const r = reader(b)
  return {
    operation: r.required("operation", r.str("operation")),
    service: r.str("service"),
    rule: r.str("rule"),
    cluster: r.str("cluster"),
    region: r.str("region"),
    times: r.num("times"),
    code: r.str("code"),
    message: r.str("message"),
    status: r.num("status"),
    asFailedEntry: r.bool("asFailedEntry"),
    answerAfterSeconds: r.num("answerAfterSeconds"),
    landed: r.bool("landed")
  }
}

const serviceSpec = (b: Json): AddServiceSpec => {
  const r = reader(b)
  const breaker = b["circuitBreaker"]
  let circuitBreaker: AddServiceSpec["circuitBreaker"]
  if (breaker === undefined || typeof breaker === "boolean") circuitBreaker = breaker
  else if (isJson(breaker)) {
    const f = reader(breaker)
    circuitBreaker = { enable: f.bool("enable"), rollback: f.bool("rollback") }
  } else throw new Invalid("circuitBreaker must be a boolean or {enable?, rollback?}")
  return {
    cluster: r.required("cluster", r.str("cluster")),
    name: r.required("name", r.str("name")),
    taskDefinition: r.required("taskDefinition", r.str("taskDefinition")),
    region: r.str("region"),
    desiredCount: r.num("desiredCount"),
    status: r.oneOf("status", ["ACTIVE", "DRAINING", "INACTIVE"] as const),
    healthCheck: r.bool("healthCheck"),
    circuitBreaker,
    deploymentController: r.oneOf("deploymentController", deploymentControllerTypes),
    describeLagSeconds: r.num("describeLagSeconds"),
    deployment: deploymentSpec(b["deployment"])
  }
}

/** A DeploymentSpec: strategy and bake time checked; steps, alarms and hooks kept as given. */
const deploymentSpec = (v: unknown): DeploymentSpec | undefined => {
  if (v === undefined) return undefined
  if (!isJson(v)) throw new Invalid("deployment must be an object")
  const r = reader(v)
  const hooks = v["hooks"]
  if (
    hooks !== undefined &&
    (!Array.isArray(hooks) || !hooks.every((h) => isJson(h) && Array.isArray(h["lifecycleStages"])))
  ) {
    throw new Invalid("deployment.hooks must be an array of {targetType?, lifecycleStages}")
  }
  return {
    ...unchecked<DeploymentSpec>(v),
    strategy: r.oneOf("strategy", ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"] as const),
    bakeTimeInMinutes: r.num("bakeTimeInMinutes")
  }
}

const targetOf = (v: unknown, at: string): Target => {
  if (!isJson(v) || typeof v["Id"] !== "string" || typeof v["Arn"] !== "string") {
    throw new Invalid(`${at} must be a target with Id and Arn`)
  }
  return unchecked<Target>(v)
}

const ruleSpec = (b: Json): AddRuleSpec => {
  const r = reader(b)
  const targets = b["targets"]
  if (targets !== undefined && !Array.isArray(targets)) throw new Invalid("targets must be an array")
  return {
    name: r.required("name", r.str("name")),
    region: r.str("region"),
    eventBusName: r.str("eventBusName"),
    target: b["target"] === undefined ? undefined : targetOf(b["target"], "target"),
    targets: targets?.map((t, i) => targetOf(t, `targets[${i}]`)),
    scheduleExpression: r.str("scheduleExpression"),
    state: r.oneOf("state", ["ENABLED", "DISABLED"] as const)
  }
}

const tagsOf = (v: unknown): ReadonlyArray<Tag> | undefined => {
  if (v === undefined) return undefined
  if (
    !Array.isArray(v) || !v.every((t) => isJson(t) && typeof t["key"] === "string" && typeof t["value"] === "string")
  ) {
    throw new Invalid("tags must be an array of {key, value}")
  }
  return unchecked<ReadonlyArray<Tag>>(v)
}

const ok = (body: unknown = { ok: true }): Reply => controlJson(200, body)

/** Runs a control action on the checked body; an Invalid body or a refused seeding is answered 400. */
const act = (body: string, run: (b: Json, now: number) => Effect.Effect<unknown>): Effect.Effect<Reply> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.suspend(() => Effect.map(run(parseBody(body), now), ok)).pipe(
      Effect.catchAllDefect((e) =>
        Effect.succeed(controlJson(400, { error: e instanceof Error ? e.message : String(e) }))
      )
    ))

type Route = (sim: SimulatorApi, body: string) => Effect.Effect<Reply>

const routes: Readonly<Record<string, Route>> = {
  "GET /_sim/calls": (sim) => Effect.map(sim.calls(), (c) => controlJson(200, c)),
  "GET /_sim/services": (sim) =>
    Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => Effect.sync(() => controlJson(200, toWire(sim.model.allServices(now))))
    ),
  "POST /_sim/clear-calls": (sim) => Effect.as(sim.clearCalls(), ok()),
  "POST /_sim/fail-next": (sim, body) => act(body, (b) => sim.failNext(failNextSpec(b))),
  "POST /_sim/faults": (sim, body) =>
    act(body, (b) => {
      const r = reader(b)
      return sim.setFaults({
        throttleFraction: r.num("throttleFraction"),
        serverErrorFraction: r.num("serverErrorFraction"),
        seed: r.num("seed")
      })
    }),
  "POST /_sim/behaviours": (sim, body) =>
    act(body, (b) => {
      // Pickers are functions; over HTTP a subprocess test describes one as JSON.
      const parsed = choiceFromSpec(b)
      if (parsed._tag === "Invalid") throw new Invalid(parsed.reason)
      return sim.setBehaviour(pickerOf(parsed.choice))
    }),
  "POST /_sim/describe-lag": (sim, body) =>
    act(body, (b) => {
      const r = reader(b)
      const seconds = r.required("seconds", r.num("seconds"))
      const service = r.str("service")
      if (service === undefined) return sim.setDescribeLag(seconds)
      return sim.setDescribeLag(seconds, {
        cluster: r.required("cluster", r.str("cluster")),
        service,
        region: r.str("region")
      })
    }),
  "POST /_sim/clusters": (sim, body) =>
    act(body, (b) => {
      const r = reader(b)
      return Effect.map(sim.addCluster(r.required("name", r.str("name")), r.str("region")), (arn) => ({ arn }))
    }),
  "POST /_sim/task-definitions": (sim, body) =>
    act(body, (b, now) => {
      const r = reader(b)
      const input = b["input"]
      if (!isJson(input)) throw new Invalid("input must be a RegisterTaskDefinition request object")
      const region = r.str("region") ?? sim.model.defaultRegion
      // The model checks family and containers as RegisterTaskDefinition does.
      const arn = sim.model.seedTaskDefinition(
        region,
        unchecked<RegisterTaskDefinitionRequest>(input),
        tagsOf(b["tags"]),
        now
      )
      return Effect.succeed({ arn })
    }),
  "POST /_sim/services": (sim, body) =>
    act(body, (b, now) => Effect.succeed({ arn: sim.model.addService(serviceSpec(b), now) })),
  "POST /_sim/rules": (sim, body) => act(body, (b) => Effect.map(sim.addRule(ruleSpec(b)), (arn) => ({ arn })))
}

/** Answers one `/_sim/...` request. */
export const handleControl = (sim: SimulatorApi, method: string, path: string, body: string): Effect.Effect<Reply> => {
  const route = routes[`${method} ${path}`]
  return route === undefined
    ? Effect.succeed(controlJson(404, { error: `no control endpoint ${method} ${path}` }))
    : route(sim, body)
}
