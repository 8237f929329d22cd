// Every network failure of the version probe names its cause: a table of the errors Node's
// fetch and undici throw, then each cause for real, over Node's fetch (what the CLI uses)
// and over undici's client.
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Layer } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import { afterAll } from "vitest"
import { classifyRequestError } from "../../src/http/ProbeFailure.js"
import { makeVersionProbe } from "../../src/http/VersionProbeLive.js"
import type { ProbeFailureReason, ProbeResult } from "../../src/ports/VersionProbe.js"
import { issueCertificate } from "../support/certificates.js"

/** An error as Node's fetch throws it: `fetch failed`, with the real one as its cause. */
const fetchFailed = (cause: object) => Object.assign(new TypeError("fetch failed"), { cause })
const sysError = (code: string, message: string, more: object = {}) =>
  Object.assign(new Error(message), { code, ...more })

describe("classifyRequestError", () => {
  const url = "https://api.example.com:8443/version"
  it.each<[string, unknown, ProbeFailureReason, string]>([
    [
      "refused",
      fetchFailed(sysError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.7:8443")),
      "refused",
      "connection refused by api.example.com:8443 (ECONNREFUSED)"
    ],
    [
      "refused on every address (happy eyeballs)",
      fetchFailed(
        Object.assign(new AggregateError([sysError("ECONNREFUSED", "a"), sysError("ECONNREFUSED", "b")], ""), {
          code: "ECONNREFUSED"
        })
      ),
      "refused",
      "connection refused by api.example.com:8443 (ECONNREFUSED)"
    ],
    [
      "no DNS record",
      fetchFailed(sysError("ENOTFOUND", "getaddrinfo ENOTFOUND api.example.com", { hostname: "api.example.com" })),
      "unknown-host",
      "unknown host api.example.com: no DNS record (ENOTFOUND)"
    ],
    [
      "DNS down",
      fetchFailed(sysError("EAI_AGAIN", "getaddrinfo EAI_AGAIN api.example.com")),
      "unknown-host",
      "unknown host api.example.com: its DNS lookup failed for now (EAI_AGAIN)"
    ],
    [
      "an expired certificate",
      fetchFailed(sysError("CERT_HAS_EXPIRED", "certificate has expired")),
      "tls",
      "TLS: certificate has expired (CERT_HAS_EXPIRED) at api.example.com:8443"
    ],
    [
      "a certificate for another name",
      fetchFailed(
        sysError(
          "ERR_TLS_CERT_ALTNAME_INVALID",
          "Hostname/IP does not match certificate's altnames: Host: api.example.com. is not in the cert's altnames: DNS:other.example.com"
        )
      ),
      "tls",
      "TLS: Hostname/IP does not match certificate's altnames: Host: api.example.com. is not in the cert's altnames: DNS:other.example.com (ERR_TLS_CERT_ALTNAME_INVALID) at api.example.com:8443"
    ],
    [
      "an unknown CA",
      fetchFailed(sysError("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate")),
      "tls",
      "TLS: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE) at api.example.com:8443"
    ],
    [
      "https to a plain http port (OpenSSL's raw text)",
      fetchFailed(
        sysError(
          "ERR_SSL_WRONG_VERSION_NUMBER",
          "80BC22A0627F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n"
        )
      ),
      "tls",
      "TLS: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER) at api.example.com:8443"
    ],
    [
      "a connect timeout",
      fetchFailed(sysError("UND_ERR_CONNECT_TIMEOUT", "Connect Timeout Error")),
      "timed-out",
      "timed out connecting to api.example.com:8443 (UND_ERR_CONNECT_TIMEOUT)"
    ],
    [
      "no headers in time",
      fetchFailed(sysError("UND_ERR_HEADERS_TIMEOUT", "Headers Timeout Error")),
      "timed-out",
      "timed out waiting for api.example.com:8443 to answer (UND_ERR_HEADERS_TIMEOUT)"
    ],
    [
      "a reset",
      fetchFailed(sysError("ECONNRESET", "read ECONNRESET")),
      "reset",
      "connection reset by api.example.com:8443 (ECONNRESET)"
    ],
    [
      "closed without an answer",
      fetchFailed(sysError("UND_ERR_SOCKET", "other side closed")),
      "reset",
      "connection reset: api.example.com:8443 closed it without an answer (UND_ERR_SOCKET)"
    ],
    [
      "undici's client throws the error itself",
      sysError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.7:8443"),
      "refused",
      "connection refused by api.example.com:8443 (ECONNREFUSED)"
    ],
    [
      "something else: the innermost words and the code",
      fetchFailed(sysError("EHOSTUNREACH", "connect EHOSTUNREACH 10.0.0.7:8443")),
      "other",
      "request to api.example.com:8443 failed: connect EHOSTUNREACH 10.0.0.7:8443"
    ],
    [
      "something without a code",
      fetchFailed(new Error("bad port")),
      "other",
      "request to api.example.com:8443 failed: bad port"
    ],
    ["nothing at all", fetchFailed({}), "other", "request to api.example.com:8443 failed: fetch failed"]
  ])("%s", (_, error, reason, message) => {
    const failure = classifyRequestError(error, url)
    expect(failure.reason).toBe(reason)
    expect(failure.message).toBe(message)
  })
})

// ---------------------------------------------------------------------------
// For real
// ---------------------------------------------------------------------------

const servers: Array<net.Server> = []
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
})

/** Listens on a free loopback port; closed after the file. */
const listen = (server: net.Server) =>
  Effect.promise(async () => {
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    return (server.address() as AddressInfo).port
  })

/** A port nothing listens on: one a throwaway server just gave back. */
const closedPort = Effect.promise(async () => {
  const s = net.createServer()
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
})

const overFetch = Layer.provide(
  FetchHttpClient.layer,
  Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" })
)

const clients = [["Node's fetch", overFetch], ["undici", NodeHttpClient.layer]] as const

const probeWith = (client: (typeof clients)[number][1], url: string, timeout: Duration.DurationInput = "10 seconds") =>
  makeVersionProbe({ timeout }).pipe(Effect.flatMap((p) => p.probe(url)), Effect.provide(client))

const causeOf = (result: ProbeResult) => {
  if (result._tag !== "NotReady" || result.cause === undefined) {
    throw new Error(`expected a classified NotReady, got ${JSON.stringify(result)}`)
  }
  // One set of words: the reason every output prints is the cause's.
  expect(result.reason).toBe(result.cause.message)
  return result.cause
}

const DAY = 24 * 60 * 60 * 1000

describe.each(clients)("the probe over %s names the cause", (_, client) => {
  it.live("a closed port: refused", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const cause = causeOf(yield* probeWith(client, `http://127.0.0.1:${port}/version`))
      expect(cause).toMatchObject({
        reason: "refused",
        code: "ECONNREFUSED",
        message: `connection refused by 127.0.0.1:${port} (ECONNREFUSED)`
      })
    }))

  it.live("a host that does not resolve: unknown host", () =>
    Effect.gen(function*() {
      const cause = causeOf(yield* probeWith(client, "http://gehen-probe-test.invalid/version"))
      expect(cause.reason).toBe("unknown-host")
      expect(cause.message).toMatch(/^unknown host gehen-probe-test\.invalid: .* \((ENOTFOUND|EAI_AGAIN)\)$/)
    }))

  it.live("a self-signed certificate: TLS, with the certificate's complaint", () =>
    Effect.gen(function*() {
      const { cert, key } = issueCertificate({ subject: "localhost", hosts: ["localhost", "127.0.0.1"] })
      const port = yield* listen(
        https.createServer({ cert, key }, (_q, res) => res.writeHead(200, { Server: "app-1a2b3c4" }).end())
      )
      const cause = causeOf(yield* probeWith(client, `https://127.0.0.1:${port}/version`))
      expect(cause).toMatchObject({
        reason: "tls",
        code: "DEPTH_ZERO_SELF_SIGNED_CERT",
        // Newer Node releases append advice (--use-system-ca) to OpenSSL's words; gehen passes them on.
        message: expect.stringMatching(
          new RegExp(
            `^TLS: self-signed certificate(;[^()]*)? \\(DEPTH_ZERO_SELF_SIGNED_CERT\\) at 127\\.0\\.0\\.1:${port}$`
          )
        )
      })
    }))

  it.live("an expired certificate: TLS, certificate has expired", () =>
    Effect.gen(function*() {
      const ca = issueCertificate({ subject: "gehen test CA", ca: true })
      const { cert, key } = issueCertificate({
        subject: "localhost",
        hosts: ["127.0.0.1"],
        issuer: ca,
        notBefore: new Date(Date.now() - 30 * DAY),
        notAfter: new Date(Date.now() - DAY)
      })
      const port = yield* listen(https.createServer({ cert, key }, (_q, res) => res.writeHead(200).end()))
      const cause = causeOf(yield* probeWith(client, `https://127.0.0.1:${port}/version`))
      expect(cause).toMatchObject({
        reason: "tls",
        code: "CERT_HAS_EXPIRED",
        message: `TLS: certificate has expired (CERT_HAS_EXPIRED) at 127.0.0.1:${port}`
      })
    }))

  it.live("https to a port that speaks plain http: TLS", () =>
    Effect.gen(function*() {
      const port = yield* listen(http.createServer((_q, res) => res.writeHead(200).end()))
      const cause = causeOf(yield* probeWith(client, `https://127.0.0.1:${port}/version`))
      expect(cause.reason).toBe("tls")
      expect(cause.message).toMatch(new RegExp(`^TLS: .+ \\((ERR_SSL_[A-Z_]+|EPROTO)\\) at 127\\.0\\.0\\.1:${port}$`))
    }))

  it.live("a server that accepts and never answers: timed out", () =>
    Effect.gen(function*() {
      // It reads the request and says nothing: only the probe's deadline ends the wait.
      const port = yield* listen(net.createServer((socket) => socket.resume()))
      const cause = causeOf(yield* probeWith(client, `http://127.0.0.1:${port}/version`, "300 millis"))
      expect(cause).toEqual({
        _tag: "ProbeFailure",
        reason: "timed-out",
        message: `timed out: no answer from 127.0.0.1:${port} within 300ms`
      })
    }))

  it.live("a server that resets the connection: reset", () =>
    Effect.gen(function*() {
      const port = yield* listen(net.createServer((socket) => socket.on("data", () => socket.resetAndDestroy())))
      const cause = causeOf(yield* probeWith(client, `http://127.0.0.1:${port}/version`))
      expect(cause).toMatchObject({
        reason: "reset",
        code: "ECONNRESET",
        message: `connection reset by 127.0.0.1:${port} (ECONNRESET)`
      })
    }))

  it.live("a server that hangs up without an answer: reset", () =>
    Effect.gen(function*() {
      const port = yield* listen(net.createServer((socket) => socket.on("data", () => socket.end())))
      const cause = causeOf(yield* probeWith(client, `http://127.0.0.1:${port}/version`))
      expect(cause.reason).toBe("reset")
      expect(cause.message).toMatch(new RegExp(`^connection reset(:| by) 127\\.0\\.0\\.1:${port}`))
    }))

  it.live("an answer that is not 200, and a 200 without a version: http-status and no-version", () =>
    Effect.gen(function*() {
      const port = yield* listen(
        http.createServer((req, res) =>
          req.url === "/down" ? res.writeHead(502).end("bad gateway") : res.writeHead(200, { Server: "nginx" }).end()
        )
      )
      const down = causeOf(yield* probeWith(client, `http://127.0.0.1:${port}/down`))
      expect(down).toEqual({
        _tag: "ProbeFailure",
        reason: "http-status",
        message: "HTTP 502: bad gateway",
        status: 502
      })
      const bare = causeOf(yield* probeWith(client, `http://127.0.0.1:${port}/version`))
      expect(bare).toMatchObject({
        reason: "no-version",
        message: `Server header "nginx" has no version (expected <name>-<version>)`
      })
    }))
})
