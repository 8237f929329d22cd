import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { runCli } from "./cli/Cli.js"
import { CliEnvironment } from "./cli/Environment.js"
import { watchHeap } from "./cli/HeapWatch.js"
import { LazyFileSystem, LazyTerminal } from "./cli/LazyPlatform.js"
import { makeSignals } from "./cli/Signals.js"
import { makeBatchedWriter } from "./cli/StderrBatch.js"

// Progress lines go out batched, one write per turn of the event loop.
const stderr = makeBatchedWriter((text) => void process.stderr.write(text))
process.on("exit", stderr.flush)

// The SDK warns about Node 20 on every run; the engines field already says what we support.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true"

// A function: it names the signals, made below.
const LiveEnvironment = () =>
  Layer.succeed(CliEnvironment, {
    // Loaded on first use, like the SDK it wraps: `--version` and `--help` need neither.
    aws: (config, gitsha) =>
      Layer.unwrapEffect(
        Effect.promise(() => import("./aws/index.js")).pipe(
          Effect.map(({ AwsLive }) =>
            AwsLive({ roleArn: config.role?.arn, sessionName: `gehen-${gitsha}`.slice(0, 64) })
          )
        )
      ),
    // Node's own fetch, loaded on first use: only `deploy` needs it.
    probe: Layer.unwrapEffect(
      Effect.promise(() => import("./http/VersionProbeLive.js")).pipe(Effect.map((m) => m.VersionProbeFetch))
    ),
    isTTY: process.stderr.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    writeStderr: stderr.write,
    flushStderr: stderr.flush,
    columns: () => process.stderr.columns,
    rows: () => process.stderr.rows,
    env: process.env,
    signals
  })

// A large fleet's polling makes garbage faster than V8 collects it by its own measure.
watchHeap()

// Output never decides the deploy: a closed pipe or a dead log forwarder (EPIPE) drops
// what gehen writes there, and the run goes on to its rollback, summary and exit code.
process.stdout.on("error", () => {})
process.stderr.on("error", () => {})

// The first SIGINT/SIGTERM interrupts the run (NodeRuntime's own listener) and says what
// gehen will do; the second stops the waiting; the third exits at once. A hangup (a
// dropped SSH session) counts as SIGTERM.
const signals = makeSignals({
  writeStderr: (line) => {
    stderr.flush()
    process.stderr.write(line)
  },
  exit: (code) => process.exit(code),
  grace: "1.5 s"
})
process.on("SIGINT", () => signals.receive("SIGINT"))
process.on("SIGTERM", () => signals.receive("SIGTERM"))
// NodeRuntime interrupts the run on SIGINT and SIGTERM only: hand a first hangup over as SIGTERM.
process.on("SIGHUP", () => (signals.count() === 0 ? process.kill(process.pid, "SIGTERM") : signals.receive("SIGHUP")))

runCli(process.argv).pipe(
  // What @effect/cli needs (not all of NodeContext: no command executor, no workers);
  // the file system and terminal load on first use.
  Effect.provide(Layer.mergeAll(LazyFileSystem, NodePath.layer, LazyTerminal, LiveEnvironment())),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit) => {
      const code = Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : 0)
        : Cause.isInterruptedOnly(exit.cause)
        ? signals.exitCode()
        : 1
      if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
        process.stderr.write(`gehen: unexpected failure: ${Cause.pretty(exit.cause)}\n`)
      }
      stderr.flush()
      // Exit only once stdout and stderr are flushed: writes to a pipe are asynchronous,
      // and exiting at once would cut a large `--output json` report short.
      process.exitCode = code
      process.stdout.write("", () => process.stderr.write("", () => process.exit(code)))
      // A pipe that never drains (nobody reads it) must not hold the exit code back.
      setTimeout(() => process.exit(code), 5_000).unref()
    }
  })
)
