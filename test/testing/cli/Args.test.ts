// gehen-sim's flags: options, defaults, and each usage mistake as one `gehen-sim:` line.
import { describe, expect, it } from "vitest"
import { readSimArgs, type SimCliOptions } from "../../../src/testing/cli/Args.js"
import { parseBehaviourFlag } from "../../../src/testing/cli/Behaviours.js"

const run = (args: ReadonlyArray<string>): SimCliOptions => {
  const r = readSimArgs(args)
  if (r._tag !== "Run") throw new Error(`expected options, got ${JSON.stringify(r)}`)
  return r.options
}

const mistake = (args: ReadonlyArray<string>): string => {
  const r = readSimArgs(args)
  if (r._tag !== "UsageError") throw new Error(`expected a usage error, got ${JSON.stringify(r)}`)
  return r.message
}

describe("gehen-sim flags", () => {
  it("defaults: a free loopback port, us-east-1, tag 0000000, healthy 3 s rollouts, in the foreground", () => {
    expect(run([])).toEqual({
      port: 0,
      host: "127.0.0.1",
      region: "us-east-1",
      tag: "0000000",
      behaviours: [],
      rolloutSeconds: 3,
      background: false
    })
  })

  it("every option, the value after a space or after =; --behavior is --behaviour", () => {
    const o = run([
      "--port=4566",
      "--host",
      "localhost",
      "--region",
      "eu-west-1",
      "--from",
      "gehen.yml",
      "--tag=release-1",
      "--behaviour",
      "api=unhealthy",
      "--behavior",
      "prod/worker@abc1234=crash-loop",
      "--rollout-seconds",
      "0.5",
      "--rewrite-urls",
      "rehearsal.yml",
      "--background"
    ])
    expect(o).toEqual({
      port: 4566,
      host: "127.0.0.1",
      region: "eu-west-1",
      from: "gehen.yml",
      tag: "release-1",
      behaviours: [
        { text: "api=unhealthy", service: "api", kind: "unhealthy" },
        {
          text: "prod/worker@abc1234=crash-loop",
          cluster: "prod",
          service: "worker",
          tag: "abc1234",
          kind: "crash-loop"
        }
      ],
      rolloutSeconds: 0.5,
      rewriteUrls: "rehearsal.yml",
      background: true
    })
    expect(run(["--host", "::1"]).host).toBe("::1")
  })

  it("--help and -h ask for the help", () => {
    expect(readSimArgs(["--help"])._tag).toBe("Help")
    expect(readSimArgs(["-h", "--port", "x"])._tag).toBe("Help")
  })

  it("--version, -v and version ask for the version; version takes nothing after it", () => {
    expect(readSimArgs(["--version"])).toEqual({ _tag: "Version" })
    expect(readSimArgs(["-v"])).toEqual({ _tag: "Version" })
    expect(readSimArgs(["version"])).toEqual({ _tag: "Version" })
    expect(mistake(["version", "--port", "1"])).toBe(
      `gehen-sim: unexpected argument "--port" after version; see gehen-sim --help`
    )
    expect(mistake(["--verison"])).toMatch(/unknown option --verison \(did you mean --version\?\)/)
  })

  it("each mistake is one gehen-sim: line that points to --help", () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [["--behavour", "api=stuck"], "unknown option --behavour (did you mean --behaviour?)"],
      [["--port"], "--port needs a value"],
      [["--port", "70000"], "--port \"70000\": expected a port number"],
      [["--host", "0.0.0.0"], "expected a loopback address"],
      [["--region", "Europe"], "--region \"Europe\": expected an AWS region"],
      [["--tag", ".x"], "--tag \".x\": expected an image tag"],
      [["--rollout-seconds", "0"], "--rollout-seconds \"0\": expected a number of seconds above 0"],
      [["--rollout-seconds", "soon"], "--rollout-seconds \"soon\""],
      [
        ["--behaviour", "api=sad"],
        "--behaviour api=sad: unknown behaviour \"sad\"; one of healthy, unhealthy, crash-loop, stuck, never-drain, circuit-breaker"
      ],
      [["--behaviour", "api"], "--behaviour api: expected <service>=<kind>"],
      [["--behaviour", "api@0000000=stuck"], "0000000 is the current tag (--tag), which always rolls out healthy"],
      [["--rewrite-urls", "x.yml"], "--rewrite-urls needs --from <gehen.yml>"],
      [["--background=yes"], "--background takes no value"],
      [["gehen.yml"], "unexpected argument \"gehen.yml\": gehen-sim takes options only"]
    ]
    for (const [args, text] of cases) {
      const message = mistake(args)
      expect(message).toMatch(/^gehen-sim: /)
      expect(message).toContain(text)
      expect(message).toMatch(/; see gehen-sim --help$/)
      expect(message).not.toContain("\n")
    }
  })
})

describe("--behaviour values", () => {
  it("[<cluster>/]<service>[@<tag>]=<kind>", () => {
    expect(parseBehaviourFlag("api=stuck")).toEqual({
      _tag: "Ok",
      flag: { text: "api=stuck", service: "api", kind: "stuck" }
    })
    expect(parseBehaviourFlag("prod/api@v1.2=never-drain")).toEqual({
      _tag: "Ok",
      flag: { text: "prod/api@v1.2=never-drain", cluster: "prod", service: "api", tag: "v1.2", kind: "never-drain" }
    })
    expect(parseBehaviourFlag("api@=stuck")._tag).toBe("Invalid")
    expect(parseBehaviourFlag("a/b/c=stuck")._tag).toBe("Invalid")
    expect(parseBehaviourFlag("api=slow")._tag).toBe("Invalid")
  })
})
