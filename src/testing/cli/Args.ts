/** gehen-sim's command line: flags to options, or the usage mistake in words. */
import { parseArgs } from "node:util"
import { regionPattern } from "../../config/Names.js"
import { nearest } from "../../config/Suggest.js"
import { type BehaviourFlag, isImageTag, parseBehaviourFlag, rehearsalKinds } from "./Behaviours.js"

export interface SimCliOptions {
  /** 0: a free port. */
  readonly port: number
  /** A loopback address: the simulator has no authentication. */
  readonly host: string
  /** The region of names without a region (AWS_REGION in the exports). */
  readonly region: string
  /** The gehen.yml to seed from; absent: an empty simulator. */
  readonly from?: string | undefined
  /** The image tag everything seeded runs now. */
  readonly tag: string
  readonly behaviours: ReadonlyArray<BehaviourFlag>
  readonly rolloutSeconds: number
  /** Where to write a copy of `from` with its urls pointed at the simulator. */
  readonly rewriteUrls?: string | undefined
  /** Serve from a detached process and exit once it listens (for `eval "$(gehen-sim ...)"`). */
  readonly background: boolean
}

export type SimInvocation =
  | { readonly _tag: "Run"; readonly options: SimCliOptions }
  | { readonly _tag: "Help" }
  /** `--version` (or `version`): the package's version, as `gehen --version` prints it. */
  | { readonly _tag: "Version" }
  | { readonly _tag: "UsageError"; readonly message: string }

export const defaultTag = "0000000"
export const defaultRolloutSeconds = 3
export const defaultRegion = "us-east-1"

export const simHelp = `gehen-sim: a local ECS / EventBridge / STS simulator to rehearse gehen deploys on

Usage:
  gehen-sim [--from gehen.yml] [--behaviour <service>=<kind>]... [options]

Prints on stdout the shell exports that point gehen (and the AWS SDK) at the simulator,
then serves until SIGINT or SIGTERM. Notes go to stderr.

Options:
  --from <file>              seed the clusters, services, task definitions and rules the file names
  --tag <tag>                the image tag everything seeded runs now (default ${defaultTag})
  --behaviour <target>=<kind>
                             how new deployments of a service roll out (repeatable); target:
                             [<cluster>/]<service>[@<tag>], kind: ${rehearsalKinds.join(", ")};
                             the current tag always rolls out healthy (default: all healthy)
  --rollout-seconds <n>      about how long a rollout takes (default ${defaultRolloutSeconds})
  --rewrite-urls <out.yml>   write a copy of --from with each service's url pointed at the simulator
  --port <n>                 port to listen on (default 0: a free one)
  --host <address>           loopback address to listen on (default 127.0.0.1)
  --region <region>          region of names without one, exported as AWS_REGION (default ${defaultRegion})
  --background               serve from a detached process and exit once it listens; adds
                             GEHEN_SIM_PID to the exports (eval "$(gehen-sim --background ...)")
  -h, --help                 this help
  -v, --version              print the version (gehen-sim version does too)

Examples:
  gehen-sim --from gehen.yml --rewrite-urls rehearsal.yml --behaviour api=unhealthy
  eval "$(gehen-sim --background --from gehen.yml --rewrite-urls rehearsal.yml)"
  gehen deploy --gitsha abc1234 --path rehearsal.yml; kill "$GEHEN_SIM_PID"

Exit codes: 0 stopped by a signal (or --background started), 1 bad flags or a bad file.
`

const optionSpec = {
  port: { type: "string" },
  host: { type: "string" },
  region: { type: "string" },
  from: { type: "string" },
  tag: { type: "string" },
  behaviour: { type: "string", multiple: true },
  behavior: { type: "string", multiple: true },
  "rollout-seconds": { type: "string" },
  "rewrite-urls": { type: "string" },
  background: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" }
} as const

const optionNames = Object.keys(optionSpec)

/** 127.0.0.0/8 and ::1; `localhost` is taken as 127.0.0.1 (it may resolve to either). */
const loopback = (host: string): string | undefined => {
  if (host === "localhost") return "127.0.0.1"
  if (host === "::1" || host === "[::1]") return "::1"
  return /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host) ? host : undefined
}

/** parseArgs' errors in gehen's words: the option, what is wrong, the nearest valid option. */
const usageOf = (e: unknown): string => {
  const code = typeof e === "object" && e !== null && "code" in e ? e.code : undefined
  const message = e instanceof Error ? e.message : String(e)
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? ""
  const option = quoted.split(" ")[0] ?? quoted
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const near = nearest(option.replace(/^-+/, ""), optionNames)
      return `unknown option ${option}${near === undefined ? "" : ` (did you mean --${near}?)`}`
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return message.includes("does not take an argument") ? `${option} takes no value` : `${option} needs a value`
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(quoted)}: gehen-sim takes options only`
    default:
      return message.split("\n")[0] ?? message
  }
}

const usageError = (text: string): SimInvocation => ({
  _tag: "UsageError",
  message: `gehen-sim: ${text}; see gehen-sim --help`
})

/** Reads argv (without node and the script). */
export const readSimArgs = (args: ReadonlyArray<string>): SimInvocation => {
  if (args[0] === "version") {
    return args.length === 1
      ? { _tag: "Version" }
      : usageError(`unexpected argument ${JSON.stringify(args[1])} after version`)
  }
  const parse = (a: Array<string>) => parseArgs({ args: a, options: optionSpec, strict: true, allowPositionals: false })
  let values: ReturnType<typeof parse>["values"]
  try {
    values = parse([...args]).values
  } catch (e) {
    return usageError(usageOf(e))
  }
  if (values.help === true) return { _tag: "Help" }
  if (values.version === true) return { _tag: "Version" }

  const portText = values.port ?? "0"
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
  if (!(port >= 0 && port <= 65535)) {
    return usageError(`--port ${JSON.stringify(portText)}: expected a port number, 0 to 65535`)
  }

  const hostText = values.host ?? "127.0.0.1"
  const host = loopback(hostText)
  if (host === undefined) {
    return usageError(
      `--host ${
        JSON.stringify(hostText)
      }: expected a loopback address (127.0.0.1, ::1 or localhost): the simulator has no authentication`
    )
  }

  const region = values.region ?? defaultRegion
  if (!regionPattern.test(region)) {
    return usageError(`--region ${JSON.stringify(region)}: expected an AWS region such as us-east-1`)
  }

  const tag = values.tag ?? defaultTag
  if (!isImageTag(tag)) {
    return usageError(
      `--tag ${
        JSON.stringify(tag)
      }: expected an image tag: letters, digits, _ . -, at most 128 characters, not starting with . or -`
    )
  }

  const secondsText = values["rollout-seconds"]
  const rolloutSeconds = secondsText === undefined ? defaultRolloutSeconds : Number(secondsText)
  if (
    secondsText !== undefined &&
    (secondsText.trim() === "" || !Number.isFinite(rolloutSeconds) || rolloutSeconds <= 0 || rolloutSeconds > 3600)
  ) {
    return usageError(
      `--rollout-seconds ${JSON.stringify(secondsText)}: expected a number of seconds above 0, at most 3600`
    )
  }

  const behaviours: Array<BehaviourFlag> = []
  for (const text of [...(values.behaviour ?? []), ...(values.behavior ?? [])]) {
    const parsed = parseBehaviourFlag(text)
    if (parsed._tag === "Invalid") return usageError(parsed.reason)
    if (parsed.flag.tag === tag) {
      return usageError(
        `--behaviour ${text}: ${tag} is the current tag (--tag), which always rolls out healthy so a rollback can come back`
      )
    }
    behaviours.push(parsed.flag)
  }

  const rewriteUrls = values["rewrite-urls"]
  if (rewriteUrls !== undefined && values.from === undefined) {
    return usageError("--rewrite-urls needs --from <gehen.yml>")
  }

  return {
    _tag: "Run",
    options: {
      port,
      host,
      region,
      ...(values.from === undefined ? {} : { from: values.from }),
      tag,
      behaviours,
      rolloutSeconds,
      ...(rewriteUrls === undefined ? {} : { rewriteUrls }),
      background: values.background === true
    }
  }
}
