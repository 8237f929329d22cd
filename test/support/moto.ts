/**
 * A moto server (https://github.com/getmoto/moto) for real-wire tests of the AWS adapters,
 * behind a small recording proxy: tests point AWS_ENDPOINT_URL at the proxy, which forwards
 * every request to moto and records which operation was called, in which region, signed with
 * which access key — so a test can assert that a call was (not) made, or that AssumeRole
 * happened once. A test can also answer an operation itself (`respondWith`) where moto cannot
 * produce the answer (e.g. PutTargets failures, several ListTasks pages).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { accessSync, constants, readdirSync } from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import { homedir } from "node:os"
import * as path from "node:path"

const INSTALL_HINT =
  "moto_server is needed for the AWS real-wire tests: install it with `pip install 'moto[server]'` " +
  "(it must be on PATH, or under ~/.pyenv/versions/*/bin)"

/** One request that reached the proxy. */
export interface RecordedCall {
  /** The signing name from the Authorization header: ecs, events, sts, … */
  readonly service: string
  /** ListTasks, PutTargets, AssumeRole, … */
  readonly operation: string
  readonly region: string
  readonly accessKeyId: string
  /** The request body as sent (JSON for ECS/EventBridge, form-encoded for STS). */
  readonly body: string
}

/** A canned answer in place of moto's. */
export interface CannedResponse {
  readonly status: number
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
}

/** Answers a call instead of moto: a response, "hang" (never answer), or undefined (forward to moto). */
export type Responder = (call: RecordedCall) => CannedResponse | "hang" | undefined

export interface Moto {
  /** The recording proxy: what AWS_ENDPOINT_URL should be. */
  readonly endpoint: string
  /** moto itself, for setup clients whose calls should not be recorded. */
  readonly motoEndpoint: string
  /** Calls recorded since the last `clearCalls`. */
  readonly calls: () => ReadonlyArray<RecordedCall>
  readonly clearCalls: () => void
  readonly respondWith: (responder: Responder | undefined) => void
  /** How many hung requests the client has since given up on (closed). */
  readonly abortedHangs: () => number
  /** Forgets every resource moto holds. */
  readonly reset: () => Promise<void>
  readonly stop: () => Promise<void>
}

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * moto_server candidates: PATH first, then every pyenv version, then pyenv's shim (the shim
 * costs ~2 s of start-up and may point at a Python without moto).
 */
const motoServerCandidates = (): ReadonlyArray<string> => {
  const onPath = (process.env["PATH"] ?? "").split(path.delimiter).filter((dir) => dir !== "").map((dir) =>
    path.join(dir, "moto_server")
  )
  const versions = path.join(homedir(), ".pyenv", "versions")
  let inPyenv: Array<string> = []
  try {
    inPyenv = readdirSync(versions).map((v) => path.join(versions, v, "bin", "moto_server"))
  } catch {
    // no pyenv
  }
  const isShim = (file: string) => file.includes(`${path.sep}.pyenv${path.sep}shims${path.sep}`)
  const all = [...new Set([...onPath, ...inPyenv])].filter(isExecutable)
  return [...all.filter((file) => !isShim(file)), ...all.filter(isShim)]
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const answers = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume()
      resolve(true)
    })
    req.on("error", () => resolve(false))
    req.setTimeout(1_000, () => {
      req.destroy()
      resolve(false)
    })
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts one moto_server candidate; resolves when it answers HTTP, rejects if it exits first. */
const startMotoServer = async (
  command: string,
  port: number
): Promise<{ readonly child: ChildProcess; readonly url: string }> => {
  const url = `http://127.0.0.1:${port}`
  const child = spawn(command, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000)
  })
  let exited: number | null | undefined
  child.on("exit", (code) => {
    exited = code
  })
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${command} exited (${exited}): ${stderr.trim()}`)
    if (await answers(`${url}/moto-api/`)) return { child, url }
    await sleep(100)
  }
  child.kill("SIGKILL")
  throw new Error(`${command} did not answer on ${url} within 20 s: ${stderr.trim()}`)
}

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(force)
      resolve()
    })
    child.kill("SIGTERM")
  })

// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ecs/aws4_request, SignedHeaders=…"
const CREDENTIAL = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/

const describeCall = (req: http.IncomingMessage, body: string): RecordedCall => {
  const [, accessKeyId = "", region = "", service = ""] = CREDENTIAL.exec(req.headers.authorization ?? "") ?? []
  const target = req.headers["x-amz-target"]
  const operation = typeof target === "string"
    ? target.slice(target.lastIndexOf(".") + 1) // JSON protocols: "AWSEvents.PutTargets"
    : new URLSearchParams(body).get("Action") ?? "" // query protocol (STS): Action=AssumeRole
  return { service, operation, region, accessKeyId, body }
}

/** The recording proxy in front of moto. */
const startProxy = async (motoUrl: string) => {
  const target = new URL(motoUrl)
  const calls: Array<RecordedCall> = []
  let responder: Responder | undefined
  let abortedHangs = 0

  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      const call = describeCall(req, body.toString("utf8"))
      calls.push(call)
      const canned = responder?.(call)
      if (canned === "hang") {
        res.on("close", () => {
          abortedHangs++
        })
        return
      }
      if (canned !== undefined) {
        res.writeHead(canned.status, { "content-type": "application/x-amz-json-1.1", ...canned.headers })
        res.end(canned.body)
        return
      }
      const upstream = http.request(
        { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        }
      )
      upstream.on("error", (error) => {
        res.writeHead(502)
        res.end(String(error))
      })
      upstream.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    calls,
    respondWith: (r: Responder | undefined) => {
      responder = r
    },
    abortedHangs: () => abortedHangs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * Starts moto_server on a free port of 127.0.0.1, and the recording proxy. Fails with install
 * instructions when moto_server is missing. Call `stop` in afterAll: it ends moto by its PID.
 */
export const startMoto = async (): Promise<Moto> => {
  const candidates = motoServerCandidates()
  if (candidates.length === 0) throw new Error(`moto_server not found. ${INSTALL_HINT}`)
  const problems: Array<string> = []
  for (const command of candidates) {
    try {
      const { child, url } = await startMotoServer(command, await freePort())
      const proxy = await startProxy(url)
      return {
        endpoint: proxy.url,
        motoEndpoint: url,
        calls: () => [...proxy.calls],
        clearCalls: () => {
          proxy.calls.length = 0
        },
        respondWith: proxy.respondWith,
        abortedHangs: proxy.abortedHangs,
        reset: async () => {
          const res = await fetch(`${url}/moto-api/reset`, { method: "POST" })
          if (!res.ok) throw new Error(`moto reset answered ${res.status}`)
        },
        stop: async () => {
          await proxy.close()
          await stopChild(child)
        }
      }
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error))
    }
  }
  throw new Error(`moto_server could not be started (${problems.join("; ")}). ${INSTALL_HINT}`)
}
