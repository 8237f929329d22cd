/**
 * Face 2: the simulator over HTTP, so the real SDK v3 clients (or the gehen binary via
 * AWS_ENDPOINT_URL) can talk to it. AWS JSON 1.1 for ECS and EventBridge, the query
 * protocol for STS AssumeRole, plus `GET /version/<cluster>/<service>` (`Server: <service>-<tag>`)
 * and the `/_sim/...` controls for subprocess tests (see Control.ts).
 *
 * Requests run in the runtime that started the server, so its Clock (live, or a
 * TestClock) drives the rollouts, and an injected late answer is written after that
 * clock has moved on.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { awsError, type SimAwsError } from "../model/Faults.js"
import type { SimModel } from "../model/Model.js"
import type { CallMeta, SimulatorApi } from "../Simulator.js"
import { handleControl } from "./Control.js"
import { parseVersionUrl, versionServerHeader } from "./VersionUrl.js"
import { plain, type Reply, toWire } from "./Wire.js"

export interface SimServerOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number | undefined
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
}

export interface SimServer {
  /** e.g. `http://127.0.0.1:50123`: use as the SDK `endpoint` or AWS_ENDPOINT_URL. */
  readonly url: string
  readonly port: number
  /** Stops listening and drops keep-alive connections (idempotent; also done on scope close). */
  readonly close: Effect.Effect<void>
}

/** The server could not listen. */
export class SimServerError extends Data.TaggedError("SimServerError")<{ readonly reason: string }> {}

const ecsPrefix = "AmazonEC2ContainerServiceV20141113."
const ecrPrefix = "AmazonEC2ContainerRegistry_V20150921."
const eventsPrefix = "AWSEvents."

type Op = (m: SimModel, region: string, params: unknown, now: number) => object

/** The wire body is unchecked JSON; the model validates what it relies on. */
const wire = <T>(p: unknown): T => p as T

const ecsOps: Readonly<Record<string, Op>> = {
  DescribeServices: (m, r, p, now) => m.describeServices(r, wire(p), now),
  DescribeTaskDefinition: (m, r, p) => m.describeTaskDefinition(r, wire(p)),
  ListTaskDefinitions: (m, r, p) => m.listTaskDefinitions(r, wire(p)),
  RegisterTaskDefinition: (m, r, p, now) => m.registerTaskDefinition(r, wire(p), now),
  DeregisterTaskDefinition: (m, r, p, now) => m.deregisterTaskDefinition(r, wire(p), now),
  TagResource: (m, r, p) => m.tagResource(r, wire(p)),
  UntagResource: (m, r, p) => m.untagResource(r, wire(p)),
  ListTagsForResource: (m, r, p) => m.listTagsForResource(r, wire(p)),
  UpdateService: (m, r, p, now) => m.updateService(r, wire(p), now),
  ListTasks: (m, r, p, now) => m.listTasks(r, wire(p), now),
  DescribeTasks: (m, r, p, now) => m.describeTasks(r, wire(p), now),
  ListServices: (m, r, p) => m.listServices(r, wire(p)),
  ListServiceDeployments: (m, r, p, now) => m.listServiceDeployments(r, wire(p), now),
  DescribeServiceDeployments: (m, r, p, now) => m.describeServiceDeployments(r, wire(p), now),
  DescribeServiceRevisions: (m, r, p) => m.describeServiceRevisions(r, wire(p)),
  StopServiceDeployment: (m, r, p, now) => m.stopServiceDeployment(r, wire(p), now),
  ContinueServiceDeployment: (m, r, p, now) => m.continueServiceDeployment(r, wire(p), now),
  DescribeClusters: (m, r, p) => m.describeClusters(r, wire(p))
}

const ecrOps: Readonly<Record<string, Op>> = {
  BatchGetImage: (m, r, p) => m.batchGetImage(r, wire(p))
}

const eventsOps: Readonly<Record<string, Op>> = {
  ListTargetsByRule: (m, r, p) => m.listTargetsByRule(r, wire(p)),
  PutTargets: (m, r, p) => m.putTargets(r, wire(p)),
  DescribeRule: (m, r, p) => m.describeRule(r, wire(p)),
  ListRules: (m, r, p) => m.listRules(r, wire(p))
}

let requestCounter = 0
const requestId = () => `00000000-0000-4000-8000-${(++requestCounter).toString(16).padStart(12, "0")}`

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId(), ...headers },
  body: JSON.stringify(toWire(body))
})

const jsonError = (e: SimAwsError): Reply =>
  json(e.status, { __type: e.code, message: e.detail }, { "x-amzn-errortype": e.code })

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;")

const xml = (status: number, body: string): Reply => ({
  status,
  headers: { "content-type": "text/xml", "x-amzn-requestid": requestId() },
  body
})

const stsNs = "https://sts.amazonaws.com/doc/2011-06-15/"

const queryError = (e: SimAwsError): Reply =>
  xml(
    e.status,
    `<ErrorResponse xmlns="${stsNs}"><Error><Type>${e.status >= 500 ? "Receiver" : "Sender"}</Type>` +
      `<Code>${xmlEscape(e.code)}</Code><Message>${xmlEscape(e.detail)}</Message></Error>` +
      `<RequestId>${requestId()}</RequestId></ErrorResponse>`
  )

/** `AWS4-HMAC-SHA256 Credential=<AKID>/<date>/<region>/<service>/aws4_request, ...` */
export const parseAuthorization = (
  header: string | undefined
): { readonly accessKeyId?: string | undefined; readonly region?: string | undefined } => {
  const m = /Credential=([^/,\s]+)\/[^/]+\/([^/]+)\//.exec(header ?? "")
  return m === null ? {} : { accessKeyId: m[1], region: m[2] }
}

const handleJson = (
  sim: SimulatorApi,
  ops: Readonly<Record<string, Op>>,
  operation: string,
  body: string,
  region: string,
  meta: CallMeta
): Effect.Effect<Reply> => {
  const op = ops[operation]
  if (op === undefined) {
    return Effect.succeed(
      json(400, { __type: "UnknownOperationException", message: `The simulator does not implement ${operation}.` }, {
        "x-amzn-errortype": "UnknownOperationException"
      })
    )
  }
  let params: unknown
  try {
    params = body === "" ? {} : JSON.parse(body)
  } catch {
    return Effect.succeed(
      json(400, { __type: "SerializationException", message: "Malformed JSON body." }, {
        "x-amzn-errortype": "SerializationException"
      })
    )
  }
  if (typeof params !== "object" || params === null || Array.isArray(params)) params = {}
  const input = params as object
  return sim
    .invoke(operation, region, input, (now) => op(sim.model, region, input, now), meta)
    .pipe(Effect.match({ onFailure: jsonError, onSuccess: (out) => json(200, out) }))
}

const handleQuery = (
  sim: SimulatorApi,
  body: string,
  region: string,
  meta: CallMeta
): Effect.Effect<Reply> => {
  const accessKeyId = meta.accessKeyId
  const form = new URLSearchParams(body)
  const action = form.get("Action") ?? ""
  if (action === "GetCallerIdentity") {
    return sim.invoke("GetCallerIdentity", region, {}, () => sim.model.callerIdentity(accessKeyId), meta).pipe(
      Effect.match({
        onFailure: queryError,
        onSuccess: (who) =>
          xml(
            200,
            `<GetCallerIdentityResponse xmlns="${stsNs}"><GetCallerIdentityResult>` +
              `<Arn>${xmlEscape(who.Arn)}</Arn><UserId>${xmlEscape(who.UserId)}</UserId>` +
              `<Account>${who.Account}</Account></GetCallerIdentityResult>` +
              `<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
          )
      })
    )
  }
  if (action !== "AssumeRole") {
    return Effect.succeed(
      queryError(awsError("InvalidAction", `The simulator does not implement ${action}.`, 400))
    )
  }
  const params: Record<string, string | number> = {}
  for (
    const k of ["RoleArn", "RoleSessionName", "ExternalId", "Policy", "SerialNumber", "TokenCode", "SourceIdentity"]
  ) {
    const v = form.get(k)
    if (v !== null) params[k] = v
  }
  const duration = form.get("DurationSeconds")
  if (duration !== null) params["DurationSeconds"] = Number(duration)
  return sim
    .invoke(
      "AssumeRole",
      region,
      params,
      () =>
        // Expiration by the wall clock: SDK credential caches compare it with Date.now().
        sim.model.assumeRole(
          {
            RoleArn: form.get("RoleArn") ?? undefined,
            RoleSessionName: form.get("RoleSessionName") ?? undefined,
            ...(duration === null ? {} : { DurationSeconds: Number(duration) })
          },
          Date.now()
        ),
      meta
    )
    .pipe(
      Effect.match({
        onFailure: queryError,
        onSuccess: (out) => {
          const c = out.Credentials
          const u = out.AssumedRoleUser
          return xml(
            200,
            `<AssumeRoleResponse xmlns="${stsNs}"><AssumeRoleResult>` +
              `<AssumedRoleUser><AssumedRoleId>${xmlEscape(u?.AssumedRoleId ?? "")}</AssumedRoleId>` +
              `<Arn>${xmlEscape(u?.Arn ?? "")}</Arn></AssumedRoleUser>` +
              `<Credentials><AccessKeyId>${xmlEscape(c?.AccessKeyId ?? "")}</AccessKeyId>` +
              `<SecretAccessKey>${xmlEscape(c?.SecretAccessKey ?? "")}</SecretAccessKey>` +
              `<SessionToken>${xmlEscape(c?.SessionToken ?? "")}</SessionToken>` +
              `<Expiration>${(c?.Expiration ?? new Date(0)).toISOString()}</Expiration></Credentials>` +
              `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata>` +
              `</AssumeRoleResponse>`
          )
        }
      })
    )
}

/** Routes one request: for the HTTP face, and (`face: "layer"`) for the SDK clients that answer in memory. */
export const handleRequest = (
  sim: SimulatorApi,
  req: { readonly method: string; readonly url: string; readonly headers: http.IncomingHttpHeaders },
  body: string,
  face: CallMeta["face"] = "http"
): Effect.Effect<Reply> => {
  const path = new URL(req.url, "http://sim").pathname
  if (req.method === "GET" && (path.startsWith("/version/") || path.startsWith("/version-test/"))) {
    const target = parseVersionUrl(`http://sim${path}`)
    if (target === undefined) return Effect.succeed(plain(404, "not found\n"))
    return Effect.map(sim.servedVersion(target.cluster, target.service, target.region, target.listener), (tag) => {
      if (tag === undefined) return plain(503, `no task of ${target.service} serves yet\n`)
      const server = versionServerHeader(target.service, tag)
      return plain(200, `${server}\n`, { server })
    })
  }
  if (path.startsWith("/_sim/")) return handleControl(sim, req.method, path, body)
  const auth = parseAuthorization(typeof req.headers.authorization === "string" ? req.headers.authorization : undefined)
  const region = auth.region ?? sim.model.defaultRegion
  const meta: CallMeta = { face, accessKeyId: face === "http" ? auth.accessKeyId : undefined }
  const target = req.headers["x-amz-target"]
  if (req.method === "POST" && typeof target === "string") {
    if (target.startsWith(ecsPrefix)) return handleJson(sim, ecsOps, target.slice(ecsPrefix.length), body, region, meta)
    if (target.startsWith(ecrPrefix)) return handleJson(sim, ecrOps, target.slice(ecrPrefix.length), body, region, meta)
    if (target.startsWith(eventsPrefix)) {
      return handleJson(sim, eventsOps, target.slice(eventsPrefix.length), body, region, meta)
    }
  }
  if (req.method === "POST" && /^Action=|&Action=/.test(body)) return handleQuery(sim, body, region, meta)
  return Effect.succeed(
    json(400, { __type: "UnknownOperationException", message: `No operation for ${req.method} ${path}` }, {
      "x-amzn-errortype": "UnknownOperationException"
    })
  )
}

/** Serves `sim` on 127.0.0.1 until the scope closes. */
export const startSimServer = (
  sim: SimulatorApi,
  options: SimServerOptions = {}
): Effect.Effect<SimServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const run = Runtime.runPromise(runtime)
    const host = options.host ?? "127.0.0.1"
    const server = http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8")
        run(handleRequest(sim, { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }, body)).then(
          (reply) => {
            res.writeHead(reply.status, { ...reply.headers, "content-length": Buffer.byteLength(reply.body) })
            res.end(reply.body)
          },
          (e: unknown) => {
            res.writeHead(500, { "content-type": "text/plain" })
            res.end(`simulator defect: ${String(e)}\n`)
          }
        )
      })
    })
    const port = yield* Effect.async<number, SimServerError>((resume) => {
      server.once("error", (e) => resume(Effect.fail(new SimServerError({ reason: e.message }))))
      server.listen(options.port ?? 0, host, () => resume(Effect.succeed((server.address() as AddressInfo).port)))
    }).pipe(Effect.orDie)
    let closed = false
    const close = Effect.async<void>((resume) => {
      if (closed) return resume(Effect.void)
      closed = true
      server.close(() => resume(Effect.void))
      // The SDK keeps connections alive; close() alone would wait for them.
      server.closeAllConnections()
    })
    yield* Effect.addFinalizer(() => close)
    return { url: `http://${host}:${port}`, port, close }
  })

/** For scripts outside Effect: serves `sim` with the live clock until `close()`. */
export const startSimServerPromise = async (
  sim: SimulatorApi,
  options: SimServerOptions = {}
): Promise<{ readonly url: string; readonly port: number; readonly close: () => Promise<void> }> => {
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(Scope.extend(startSimServer(sim, options), scope))
  return { url: server.url, port: server.port, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}
