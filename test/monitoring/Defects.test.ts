// A defect that ends the command reaches Sentry (and Datadog, which had no report yet)
// from the monitoring's own finalizer, in process, against real local receivers.
import { Effect, Exit, FiberId, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { startMonitoring } from "../../src/monitoring/Monitoring.js"
import { waitFor } from "../support/waitFor.js"
import { parseDatagrams } from "./support/dogstatsd.js"
import { startHttp, startUdp } from "./support/receivers.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

describe("a defect", () => {
  it("is sent to Sentry as a fatal exception with its stack, and to Datadog as a failed deploy, when the scope closes", async () => {
    const [sentry, udp] = await Promise.all([startHttp(), startUdp()])
    open.push(sentry, udp)
    const stderr: Array<string> = []
    await Effect.runPromise(Effect.gen(function*() {
      const scope = yield* Scope.make()
      yield* startMonitoring({
        env: {
          SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/7`,
          DD_AGENT_HOST: "127.0.0.1",
          DD_DOGSTATSD_PORT: String(udp.port)
        },
        gitsha: "abcdef1",
        version: "9.9.9",
        writeStderr: (line) => void stderr.push(line)
      }).pipe(Scope.extend(scope))
      yield* Scope.close(scope, Exit.die(new TypeError("cannot read properties of undefined")))
    }))
    // The datagram left before the flush ended; its arrival is this process's to read.
    await waitFor(() => udp.datagrams.length > 0, "the Datadog event")
    expect(stderr).toEqual([])

    expect(sentry.requests).toHaveLength(1)
    const [, , payload] = sentry.requests[0]!.body.toString("utf8").split("\n")
    const event = JSON.parse(payload!) as {
      level: string
      release: string
      tags: Record<string, string>
      exception: { values: Array<{ type: string; value: string; stacktrace?: { frames: Array<unknown> } }> }
    }
    expect(event.level).toBe("fatal")
    expect(event.release).toBe("gehen@9.9.9")
    expect(event.tags).toMatchObject({ defect: "true" })
    expect(event.exception.values[0]).toMatchObject({ type: "TypeError", value: "cannot read properties of undefined" })
    expect(event.exception.values[0]?.stacktrace?.frames.length).toBeGreaterThan(0)

    const { events } = parseDatagrams(udp.datagrams)
    expect(events).toMatchObject([{
      title: "gehen.deploys.failed",
      alertType: "error",
      tags: ["outcome:failed", "gitsha:abcdef1"]
    }])
    expect(events[0]!.text).toContain("cannot read properties of undefined")
  })

  it("a failure that is not a defect (a refused run, an interruption) sends nothing more", async () => {
    const sentry = await startHttp()
    open.push(sentry)
    for (const exit of [Exit.fail("CliExit"), Exit.interrupt(FiberId.none)]) {
      await Effect.runPromise(Effect.gen(function*() {
        const scope = yield* Scope.make()
        yield* startMonitoring({
          env: { SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/7` },
          gitsha: "abcdef1",
          writeStderr: () => {}
        })
          .pipe(Scope.extend(scope))
        yield* Scope.close(scope, exit)
      }))
    }
    expect(sentry.requests).toEqual([])
  })
})
