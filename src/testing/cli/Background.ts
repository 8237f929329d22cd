/**
 * `gehen-sim --background`, ssh-agent's way: `eval "$(gehen-sim ...)"` waits for the process
 * it runs to end, so the serving process is a detached child, and the command exits once
 * the child listens, printing what the child announced (its exports carry GEHEN_SIM_PID).
 */
import { spawn } from "node:child_process"

/** Set in the detached child's environment: it announces over IPC instead of printing. */
export const detachedChildVariable = "GEHEN_SIM_DETACHED"

/** What the child sends once it listens. */
export interface ReadyMessage {
  readonly gehenSimReady: true
  readonly exports: string
  readonly notes: string
}

export const isReadyMessage = (m: unknown): m is ReadyMessage =>
  typeof m === "object" && m !== null && "gehenSimReady" in m && m.gehenSimReady === true &&
  "exports" in m && typeof m.exports === "string" && "notes" in m && typeof m.notes === "string"

/** A child that neither listens nor fails by then is stopped: a hung start must not hang the shell. */
const readyWithinMs = 30_000

/**
 * Starts `script args` detached (own session, so the terminal's Ctrl-C and hang-up leave it
 * alone) and resolves with this process's exit code: 0 once the child listens, after
 * relaying its announcement; else the child's code, after relaying what it said on stderr.
 */
export const startDetached = (
  script: string,
  args: ReadonlyArray<string>,
  out: { readonly stdout: (text: string) => void; readonly stderr: (text: string) => void }
): Promise<number> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, [detachedChildVariable]: "1" }
    })
    let stderr = ""
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
    let settled = false
    const settle = (code: number) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      process.off("SIGINT", interrupted)
      process.off("SIGTERM", interrupted)
      resolve(code)
    }
    // Ctrl-C while waiting: no simulator is left behind that nobody knows the process of.
    const interrupted = () => {
      child.kill("SIGTERM")
      out.stderr("gehen-sim: interrupted before the background simulator listened; stopped it\n")
      settle(130)
    }
    process.once("SIGINT", interrupted)
    process.once("SIGTERM", interrupted)
    const timer = setTimeout(() => {
      child.kill("SIGTERM")
      out.stderr(`${stderr}gehen-sim: the background simulator did not start within ${readyWithinMs / 1000} s\n`)
      settle(1)
    }, readyWithinMs)
    child.on("message", (m: unknown) => {
      if (!isReadyMessage(m)) return
      out.stdout(m.exports)
      out.stderr(`${stderr}${m.notes}gehen-sim: serving in the background as process ${child.pid}\n`)
      // Let go of the child: its pipes and IPC channel would keep this process alive.
      child.removeAllListeners()
      child.stdout?.destroy()
      child.stderr?.destroy()
      if (child.connected) child.disconnect()
      child.unref()
      settle(0)
    })
    child.on("error", (e) => {
      out.stderr(`gehen-sim: cannot start the background simulator: ${e.message}\n`)
      settle(1)
    })
    child.on("close", (code) => {
      out.stderr(stderr)
      settle(code === null || code === 0 ? 1 : code)
    })
  })
