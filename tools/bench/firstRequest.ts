/**
 * From spawning a deploy to its first AWS request: the CLI started, gehen.yml read, the
 * credentials resolved and the SDK loaded. A local endpoint stands in for AWS: it notes
 * when each request arrives (by the bench's clock, which also took the spawn time) and
 * refuses it as STS refuses a caller (403 AccessDenied, which is not retried), so the run
 * ends at once. Each run follows a run of `node -e 0`; the ratio is the median of the pairs' ratios.
 */
import { spawn, spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { dirname, join } from "node:path"
import { simulatorEnv, tempDir } from "../demo/cli.js"
import type { StartupResult } from "./model.js"
import { median } from "./startup.js"

const REFUSAL = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
  `<Code>AccessDenied</Code><Message>the bench's endpoint refuses every call</Message></Error>` +
  `<RequestId>bench</RequestId></ErrorResponse>`

export interface FirstRequestCommand {
  readonly label: string
  readonly file: string
  readonly args: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
  readonly cwd?: string
  /** Judged against `limitMs` (an absolute bound), not shown as a ratio only. */
  readonly limitMs?: number
}

export interface FirstRequestVariants {
  /** The GitHub Action's script (action/run.mjs), run as the runner runs it. */
  readonly actionScript?: string | undefined
  /** The single executable, when built. */
  readonly seaPath?: string | undefined
}

/** A deploy's start, timed `runs` times per command (after a warm-up each), interleaved with `node -e 0`. */
export const measureFirstRequest = async (
  cliPath: string,
  runs: number,
  variants: FirstRequestVariants = {}
): Promise<ReadonlyArray<StartupResult & { readonly limitMs?: number }>> => {
  const arrivals: Array<bigint> = []
  let waiting: ((at: bigint) => void) | undefined
  const server = createServer((req, res) => {
    const at = process.hrtime.bigint()
    req.resume()
    req.on("end", () => {
      res.writeHead(403, { "content-type": "text/xml" })
      res.end(REFUSAL)
    })
    arrivals.push(at)
    waiting?.(at)
    waiting = undefined
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const home = tempDir("gehen-bench-first-request-")
  try {
    const config = join(home, "gehen.yml")
    writeFileSync(config, "services:\n  api:\n    cluster: bench\n    url: http://127.0.0.1:9/version\n")
    const env = simulatorEnv(url, home, { NO_COLOR: "1", AWS_MAX_ATTEMPTS: "1" })
    const node = process.execPath
    const deploy = ["deploy", "--gitsha", "be4c0ffee1234567", "--path", config, "--dry-run"]
    // As installed: no cache beside the bundle; the per-user one, written by the warm-up.
    const installed = join(home, "installed")
    mkdirSync(installed)
    for (const f of ["gehen.cjs", "main.cjs"]) copyFileSync(join(dirname(cliPath), f), join(installed, f))
    // A cache directory that cannot be made (a path under a file): every start compiles, as on a fresh CI runner.
    const noCache = join(installed, "gehen.cjs", "cache")
    const commands: Array<FirstRequestCommand> = [
      { label: "gehen deploy, spawn to first AWS request", file: node, args: [cliPath, ...deploy] },
      {
        label: "gehen deploy, installed (per-user cache), spawn to first AWS request",
        file: node,
        args: [join(installed, "gehen.cjs"), ...deploy],
        env: { GEHEN_CACHE_DIR: join(home, "cache") }
      },
      {
        label: "gehen deploy, no code cache, spawn to first AWS request",
        file: node,
        args: [join(installed, "gehen.cjs"), ...deploy],
        env: { GEHEN_CACHE_DIR: noCache }
      }
    ]
    if (variants.actionScript !== undefined) {
      const action = {
        INPUT_COMMAND: "deploy",
        INPUT_GITSHA: "be4c0ffee1234567",
        INPUT_PATH: config,
        INPUT_ARGS: "--dry-run",
        GITHUB_ACTIONS: "true",
        RUNNER_TEMP: home
      }
      commands.push(
        {
          label: "the GitHub Action (node action/run.mjs), a job's first run: spawn to first AWS request",
          file: node,
          args: [variants.actionScript],
          env: { ...action, GEHEN_CACHE_DIR: noCache },
          cwd: home,
          limitMs: 2000
        },
        {
          label: "the GitHub Action, a later run on the same runner: spawn to first AWS request",
          file: node,
          args: [variants.actionScript],
          env: { ...action, GEHEN_CACHE_DIR: join(home, "action-cache") },
          cwd: home
        }
      )
    }
    if (variants.seaPath !== undefined) {
      commands.push({
        label: "single executable deploy, spawn to first AWS request",
        file: variants.seaPath,
        args: deploy
      })
    }

    const once = (c: FirstRequestCommand) =>
      new Promise<number>((resolve, reject) => {
        const before = arrivals.length
        let first: bigint | undefined
        const t0 = process.hrtime.bigint()
        waiting = (at) => (first = at)
        const child = spawn(c.file, c.args, {
          env: { ...env, ...c.env },
          cwd: c.cwd ?? home,
          stdio: ["ignore", "ignore", "pipe"]
        })
        let stderr = ""
        child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
        child.on("error", reject)
        child.on("close", (code) => {
          if (first === undefined || arrivals.length === before) {
            reject(new Error(`${c.label}: no AWS request before exit ${code}: ${stderr.trim()}`))
          } else {
            resolve(Number(first - t0) / 1e6)
          }
        })
      })
    const base = (): number => {
      const t0 = process.hrtime.bigint()
      spawnSync(node, ["-e", "0"], { stdio: "ignore" })
      return Number(process.hrtime.bigint() - t0) / 1e6
    }
    const samples = commands.map(() => [] as Array<number>)
    const ratios = commands.map(() => [] as Array<number>)
    for (const c of commands) await once(c)
    for (let i = 0; i < runs; i++) {
      for (const [j, c] of commands.entries()) {
        const b = base()
        const ms = await once(c)
        samples[j]!.push(ms)
        ratios[j]!.push(ms / b)
      }
    }
    return commands.map((c, j) => ({
      label: c.label,
      runs,
      medianMs: median(samples[j]!),
      ratio: median(ratios[j]!),
      judged: false,
      ...(c.limitMs === undefined ? {} : { limitMs: c.limitMs })
    }))
  } finally {
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(home, { recursive: true, force: true })
  }
}
