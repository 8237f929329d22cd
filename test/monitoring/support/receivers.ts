// Real receivers on loopback: a UDP socket for DogStatsD and HTTP endpoints for OTLP and
// Sentry. They record what arrives, as it arrived on the wire.
import { createSocket } from "node:dgram"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { gunzipSync } from "node:zlib"

export interface UdpReceiver {
  readonly port: number
  readonly datagrams: Array<string>
  readonly close: () => Promise<void>
}

export const startUdp = (): Promise<UdpReceiver> =>
  new Promise((resolve) => {
    const socket = createSocket("udp4")
    const datagrams: Array<string> = []
    socket.on("message", (msg) => datagrams.push(msg.toString("utf8")))
    socket.bind(0, "127.0.0.1", () => {
      resolve({
        port: (socket.address() as AddressInfo).port,
        datagrams,
        close: () => new Promise((done) => socket.close(() => done()))
      })
    })
  })

export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  readonly body: Buffer
}

export interface HttpReceiver {
  readonly url: string
  readonly port: number
  readonly requests: Array<Received>
  readonly close: () => Promise<void>
}

/**
 * An HTTP endpoint that records every request (bodies un-gzipped) and answers with
 * `answer` (200 by default); `"never"` keeps each request open without an answer.
 */
export const startHttp = (answer: number | "never" = 200): Promise<HttpReceiver> =>
  new Promise((resolve) => {
    const requests: Array<Received> = []
    const open = new Set<ServerResponse>()
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const raw = Buffer.concat(chunks)
        const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw
        requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body })
        if (answer === "never") {
          open.add(res)
          return
        }
        res.writeHead(answer, { "content-type": "application/json" })
        res.end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        requests,
        close: () =>
          new Promise((done) => {
            for (const res of open) res.destroy()
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

/** A loopback port nothing listens on (bound, then released). */
export const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}
