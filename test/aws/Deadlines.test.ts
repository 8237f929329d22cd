// Every live SDK client has a deadline: a silent connection fails an attempt, which the
// retries then try again, instead of holding the call for ever (the SDK sets none).
import { DescribeServicesCommand } from "@aws-sdk/client-ecs"
import { ListRulesCommand } from "@aws-sdk/client-eventbridge"
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts"
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as net from "node:net"
import { CONNECT_TIMEOUT_MS, makeAwsClients, REQUEST_TIMEOUT_MS, SOCKET_TIMEOUT_MS } from "../../src/aws/AwsClients.js"

/** A port nothing listens on: connections are refused at once. */
const closedPort = () =>
  Effect.promise(() =>
    new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo
        server.close(() => resolve(port))
      })
    })
  )

afterEach(() => {
  vi.unstubAllEnvs()
})

describe("the live clients' deadlines", () => {
  it.scoped("ECS, EventBridge and STS clients connect, wait for an answer and for its body under a deadline", () =>
    Effect.gen(function*() {
      const port = yield* closedPort()
      vi.stubEnv("AWS_ENDPOINT_URL", `http://127.0.0.1:${port}`)
      vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDDEADLINES")
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "deadlines")
      vi.stubEnv("AWS_MAX_ATTEMPTS", "1")
      const clients = yield* makeAwsClients()
      const ecs = yield* clients.ecs("us-east-1")
      const events = yield* clients.eventBridge("us-east-1")
      const sts = yield* clients.sts("us-east-1")
      // One refused request each makes the handlers load their settings.
      yield* Effect.promise(() =>
        Promise.all([
          ecs.send(new DescribeServicesCommand({ cluster: "c", services: ["s"] })).catch(() => undefined),
          events.send(new ListRulesCommand({})).catch(() => undefined),
          sts.send(new GetCallerIdentityCommand({})).catch(() => undefined)
        ])
      )
      const handlers: ReadonlyArray<unknown> = [
        ecs.config.requestHandler,
        events.config.requestHandler,
        sts.config.requestHandler
      ]
      for (const handler of handlers) {
        expect((handler as { httpHandlerConfigs: () => object }).httpHandlerConfigs()).toMatchObject({
          connectionTimeout: CONNECT_TIMEOUT_MS,
          requestTimeout: REQUEST_TIMEOUT_MS,
          socketTimeout: SOCKET_TIMEOUT_MS,
          throwOnRequestTimeout: true
        })
      }
    }))
})
