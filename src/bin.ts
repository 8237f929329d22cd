import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Layer } from "effect"
import { AwsLive } from "./aws/index.js"
import { runCli } from "./cli/Cli.js"
import { CliEnvironment } from "./cli/Environment.js"

// The SDK warns about Node 20 on every run; the engines field already says what we support.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true"

const LiveEnvironment = Layer.succeed(CliEnvironment, {
  aws: (config, gitsha) => AwsLive({ roleArn: config.role?.arn, sessionName: `gehen-${gitsha}`.slice(0, 64) }),
  // Node's own fetch: no HTTP client library to load; and only `deploy` needs it.
  probe: Layer.unwrapEffect(
    Effect.promise(async () => {
      const [{ layer }, { VersionProbeLive }] = await Promise.all([
        import("@effect/platform/FetchHttpClient"),
        import("./VersionProbeLive.js")
      ])
      return VersionProbeLive.pipe(Layer.provide(layer))
    })
  ),
  isTTY: process.stderr.isTTY === true,
  writeStderr: (chunk) => void process.stderr.write(chunk),
  columns: () => process.stderr.columns,
  rows: () => process.stderr.rows,
  env: process.env
})

// The first SIGINT/SIGTERM interrupts the run (which rolls back); a second one exits at once.
let signals = 0
const onSignal = () => {
  signals++
  if (signals >= 2) {
    process.stderr.write("gehen: second signal, exiting now without waiting\n")
    process.exit(130)
  }
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)

runCli(process.argv).pipe(
  Effect.provide(Layer.merge(NodeContext.layer, LiveEnvironment)),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit) => {
      const code = Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : 0)
        : Cause.isInterruptedOnly(exit.cause)
        ? 130
        : 1
      if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
        process.stderr.write(`gehen: unexpected failure: ${Cause.pretty(exit.cause)}\n`)
      }
      // Exit only once stdout and stderr are flushed: writes to a pipe are asynchronous,
      // and exiting at once would cut a large `--output json` report short.
      process.exitCode = code
      process.stdout.write("", () => process.stderr.write("", () => process.exit(code)))
    }
  })
)
