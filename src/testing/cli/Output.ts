/** What gehen-sim prints: the shell exports (stdout) and the notes for a person (stderr). */
import { type BehaviourRule, describeRule } from "./Behaviours.js"
import type { SeedContainer, SeedPlan } from "./Plan.js"

/** Set by other tools or a user's shell, each would send gehen elsewhere or read a real profile. */
export const unsetVariables = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_SESSION_TOKEN",
  "AWS_ENDPOINT_URL_ECS",
  "AWS_ENDPOINT_URL_EVENTBRIDGE",
  "AWS_ENDPOINT_URL_STS",
  "AWS_ENDPOINT_URL_ECR",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
] as const

/** Dummy keys: the simulator takes any; these say where they belong if they turn up elsewhere. */
export const dummyAccessKeyId = "AKIDGEHENSIMULATOR"
export const dummySecretAccessKey = "gehen-sim-not-a-secret"

/** A POSIX shell word: as is when safe, else single-quoted. */
export const shellQuote = (value: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`

export const exportLine = (name: string, value: string): string => `export ${name}=${shellQuote(value)}\n`

/**
 * The exports that point gehen at `endpoint`: the SDK's endpoint, region, dummy keys, and
 * config files that hold nothing (`emptyFile`, e.g. /dev/null), so no real profile is read.
 * `extra` variables follow; GEHEN_SIM_URL comes last, so whoever reads the output knows it is complete.
 */
export const envExports = (
  endpoint: string,
  region: string,
  emptyFile: string,
  extra: Readonly<Record<string, string>> = {}
): string =>
  `unset ${unsetVariables.join(" ")}\n` +
  exportLine("AWS_ENDPOINT_URL", endpoint) +
  exportLine("AWS_REGION", region) +
  exportLine("AWS_DEFAULT_REGION", region) +
  exportLine("AWS_ACCESS_KEY_ID", dummyAccessKeyId) +
  exportLine("AWS_SECRET_ACCESS_KEY", dummySecretAccessKey) +
  exportLine("AWS_CONFIG_FILE", emptyFile) +
  exportLine("AWS_SHARED_CREDENTIALS_FILE", emptyFile) +
  Object.entries(extra).map(([name, value]) => exportLine(name, value)).join("") +
  exportLine("GEHEN_SIM_URL", endpoint)

/** Reads `export K=V` and `unset K...` lines back (for scripts and tests): the variables to set, and to remove. */
export const readExports = (
  text: string
): { readonly set: Record<string, string>; readonly unset: ReadonlyArray<string> } => {
  const set: Record<string, string> = {}
  const unset: Array<string> = []
  for (const line of text.split("\n")) {
    const exported = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (exported !== null) {
      const [, name = "", raw = ""] = exported
      set[name] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw
    }
    const unsetMatch = /^unset (.+)$/.exec(line)
    if (unsetMatch !== null) unset.push(...(unsetMatch[1] ?? "").split(" ").filter((n) => n !== ""))
  }
  return { set, unset }
}

const showContainers = (containers: ReadonlyArray<SeedContainer>): string =>
  containers.map((c) => `${c.name} ${c.image.slice(c.image.lastIndexOf(":") + 1)}${c.sidecar ? " (sidecar)" : ""}`)
    .join(", ")

export interface NotesInput {
  readonly endpoint: string
  /** The gehen.yml seeded from, if any. */
  readonly from?: string | undefined
  readonly plan: SeedPlan
  readonly rules: ReadonlyArray<BehaviourRule>
  readonly rolloutSeconds: number
  /** Where the copy with rewritten urls went, if written. */
  readonly rewritten?: string | undefined
  /** Whether the file gives any service a url. */
  readonly fileHasUrls: boolean
  readonly background: boolean
}

/** The notes on stderr: where it listens, what it holds, how it behaves, how to rehearse and stop. */
export const notes = (n: NotesInput): string => {
  const { endpoint, plan } = n
  const lines: Array<string> = [
    `gehen-sim: simulator on ${endpoint} (account ${plan.accountId}, region ${plan.region}); ` +
    `the exports on stdout point gehen and the AWS SDK at it, with dummy keys and no AWS profile`
  ]
  if (n.from === undefined) {
    lines.push(
      `gehen-sim: empty: seed it with --from gehen.yml, or through the control endpoints under ${endpoint}/_sim/`
    )
  } else {
    lines.push(`gehen-sim: seeded from ${n.from}; every image runs tag ${plan.tag} (--tag):`)
    for (const s of plan.services) {
      lines.push(
        `  service ${s.name} in cluster ${s.cluster} (${s.region}): ${s.family}:1 [${showContainers(s.containers)}]`
      )
      lines.push(`    version url ${endpoint}${s.versionPath}`)
    }
    for (const r of plan.rules) {
      lines.push(
        `  scheduled task ${r.name} (${r.region}, event bus ${r.eventBusName}): ${r.family}:1 [${
          showContainers(r.containers)
        }], ` +
          `runs in cluster ${r.cluster}`
      )
    }
  }
  const scripted = n.rules.map(describeRule)
  lines.push(
    `gehen-sim: rollouts take about ${n.rolloutSeconds} s; ` +
      (scripted.length === 0
        ? "every deployment is healthy"
        : `new deployments: ${scripted.join("; ")}; the rest healthy`) +
      `; tag ${plan.tag} always rolls out healthy`
  )
  if (n.rewritten !== undefined) {
    lines.push(
      `gehen-sim: wrote ${n.rewritten}: ${
        n.from ?? "the file"
      } with each service's url pointed at its version url above`
    )
    lines.push(`  rehearse with: gehen deploy --gitsha <sha> --path ${n.rewritten}`)
  } else if (n.fileHasUrls) {
    lines.push(
      `gehen-sim: the urls in ${
        n.from ?? "the file"
      } point at real hosts: rehearse with a copy that uses the version urls above ` +
        `(--rewrite-urls <out.yml> writes one)`
    )
  }
  lines.push(
    n.background
      ? "gehen-sim: the exports change this shell's AWS settings until it exits; stop the simulator with kill \"$GEHEN_SIM_PID\""
      : "gehen-sim: use the exports in a shell of its own (they change its AWS settings); stop the simulator with Ctrl-C or SIGTERM"
  )
  return `${lines.join("\n")}\n`
}
