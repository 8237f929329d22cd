import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll } from "vitest"
import { makeVersionProbe, versionOfServer, VersionProbeFetch } from "../../src/http/VersionProbeLive.js"
import { type ProbeResult, VersionProbe } from "../../src/ports/VersionProbe.js"

// A local server with one route per behaviour the probe must handle.
let server: http.Server
let base = ""
let endlessClosed = false

const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  "/ok": (_req, res) => res.writeHead(200, { Server: "my-app-1a2b3c4" }).end("hello"),
  "/many-dashes": (_req, res) => res.writeHead(200, { Server: "svc-api-v2-2024.06.01" }).end(),
  "/no-version": (_req, res) => res.writeHead(200, { Server: "nginx" }).end(),
  "/no-server": (_req, res) => res.writeHead(200).end("hello"),
  "/unavailable": (_req, res) => res.writeHead(503, { Server: "my-app-old" }).end("upstream\n  starting"),
  "/redirect": (_req, res) => res.writeHead(302, { Location: "/ok" }).end(),
  "/redirect-loop": (_req, res) => res.writeHead(302, { Location: "/redirect-loop" }).end(),
  "/redirect-ftp": (_req, res) => res.writeHead(302, { Location: "ftp://127.0.0.1/x" }).end(),
  // Never answers: only the probe's timeout ends the request.
  "/hang": () => {},
  // An endless 500 body: only the probe's body bound ends the read.
  "/endless": (_req, res) => {
    res.writeHead(500)
    const chunk = Buffer.alloc(64 * 1024, "x")
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) { /* until the socket's buffer is full */ }
    }
    res.on("drain", pump)
    res.on("close", () => {
      endlessClosed = true
    })
    pump()
  }
}

beforeAll(async () => {
  server = http.createServer((req, res) => (routes[req.url ?? ""] ?? ((_q, r) => r.writeHead(404).end()))(req, res))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const probe = (path: string, options: Parameters<typeof makeVersionProbe>[0] = {}) =>
  makeVersionProbe(options).pipe(
    Effect.flatMap((p) => p.probe(path.includes("://") ? path : `${base}${path}`)),
    Effect.provide(NodeHttpClient.layer)
  )

const reasonOf = (
  result: ProbeResult
): string => (result._tag === "NotReady" ? result.reason : `Served ${result.version}`)

describe("versionOfServer", () => {
  it("takes what follows the last dash", () => {
    expect(versionOfServer("my-app-1a2b3c4")).toBe("1a2b3c4")
    expect(versionOfServer("app-")).toBeUndefined()
    expect(versionOfServer("nginx")).toBeUndefined()
  })
})

describe("VersionProbeLive", () => {
  it.live("reads the version off the Server header", () =>
    Effect.gen(function*() {
      expect(yield* probe("/ok")).toEqual({ _tag: "Served", version: "1a2b3c4", server: "my-app-1a2b3c4" })
      expect(yield* probe("/many-dashes")).toEqual({
        _tag: "Served",
        version: "2024.06.01",
        server: "svc-api-v2-2024.06.01"
      })
    }))

  it.live("a 200 without a (versioned) Server header is not ready", () =>
    Effect.gen(function*() {
      expect(yield* probe("/no-server")).toEqual({
        _tag: "NotReady",
        reason: "no Server header",
        cause: { _tag: "ProbeFailure", reason: "no-version", message: "no Server header" }
      })
      expect(reasonOf(yield* probe("/no-version"))).toMatch(/"nginx" has no version/)
    }))

  it.live("a non-200 is not ready, with the status and a bit of the body", () =>
    Effect.gen(function*() {
      expect(yield* probe("/unavailable")).toEqual({
        _tag: "NotReady",
        reason: "HTTP 503: upstream starting",
        cause: { _tag: "ProbeFailure", reason: "http-status", message: "HTTP 503: upstream starting", status: 503 }
      })
      expect(reasonOf(yield* probe("/nowhere"))).toBe("HTTP 404")
    }))

  it.live("follows redirects, but not forever and not off http", () =>
    Effect.gen(function*() {
      expect(yield* probe("/redirect")).toMatchObject({ _tag: "Served", version: "1a2b3c4" })
      expect(reasonOf(yield* probe("/redirect-loop", { maxRedirects: 3 }))).toBe("HTTP 302")
      expect(reasonOf(yield* probe("/redirect-ftp"))).toMatch(/only http and https/)
    }))

  it.live("only probes http and https urls", () =>
    Effect.gen(function*() {
      expect(reasonOf(yield* probe("ftp://127.0.0.1/x"))).toMatch(/not an http\(s\) url/)
      expect(reasonOf(yield* probe("file:///etc/passwd"))).toMatch(/not an http\(s\) url/)
      expect(reasonOf(yield* probe("not a url"))).toMatch(/not an http\(s\) url/)
    }))

  it.live("a server that never answers is cut off by the timeout", () =>
    Effect.gen(function*() {
      const result = yield* probe("/hang", { timeout: "300 millis" })
      const host = new URL(base).host
      expect(result).toEqual({
        _tag: "NotReady",
        reason: `timed out: no answer from ${host} within 300ms`,
        cause: { _tag: "ProbeFailure", reason: "timed-out", message: `timed out: no answer from ${host} within 300ms` }
      })
    }))

  it.live("reads a bounded amount of an endless body", () =>
    Effect.gen(function*() {
      // The default 1 MiB bound, and a timeout far beyond what a bounded read takes: the
      // answer comes from the bound, not the timeout.
      const result = yield* probe("/endless", { timeout: "60 seconds" })
      expect(reasonOf(result)).toMatch(/^HTTP 500: x{200}…$/)
      // The probe hung up: the server sees the connection closed, not a reader draining forever.
      yield* Effect.promise(async () => {
        for (let i = 0; i < 50 && !endlessClosed; i++) await new Promise((r) => setTimeout(r, 20))
      })
      expect(endlessClosed).toBe(true)
    }))
})

describe("over Node's fetch (what the CLI uses)", () => {
  const fetchProbe = (path: string) =>
    Effect.flatMap(VersionProbe, (p) => p.probe(`${base}${path}`)).pipe(Effect.provide(VersionProbeFetch))

  it.live("reads the version, and follows redirects itself: not forever, not off http", () =>
    Effect.gen(function*() {
      expect(yield* fetchProbe("/redirect")).toMatchObject({ _tag: "Served", version: "1a2b3c4" })
      expect(reasonOf(yield* fetchProbe("/redirect-ftp"))).toMatch(/only http and https/)
      expect(reasonOf(yield* fetchProbe("/redirect-loop"))).toBe("HTTP 302")
    }))
})
