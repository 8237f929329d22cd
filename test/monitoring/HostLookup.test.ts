// The receivers' host lookup (src/monitoring/HostLookup.ts): the hosts file, resolv.conf and
// the order of names as pure functions; then lookups against a DNS server of the test's own
// that answers, or never does; and the exit a pending lookup must not hold.
import { build } from "esbuild"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  candidates,
  type LookupFailed,
  lookupWith,
  parseHosts,
  parseResolvConf,
  rememberingLookups,
  resolveHost
} from "../../src/monitoring/HostLookup.js"
import { type DnsServer, startDns } from "./support/dns.js"

const open: Array<DnsServer> = []
const dirs: Array<string> = []
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()))
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("parseHosts", () => {
  it("reads addresses and names, skipping comments and malformed lines; names compare lowercased", () => {
    const hosts = parseHosts([
      "127.0.0.1 localhost",
      "# 10.0.0.9 commented",
      "10.0.0.7   agent  Agent.Local   # the agent",
      "fe80::1%eth0 linklocal",
      "::1 agent",
      "not-an-address agent",
      "10.0.0.8",
      "\t10.0.0.7 agent"
    ].join("\n"))
    expect(hosts.get("agent")).toEqual([{ address: "10.0.0.7", family: 4 }, { address: "::1", family: 6 }])
    expect(hosts.get("agent.local")).toEqual([{ address: "10.0.0.7", family: 4 }])
    expect(hosts.get("linklocal")).toEqual([{ address: "fe80::1%eth0", family: 6 }])
    expect(hosts.has("10.0.0.8")).toBe(false)
    expect([...hosts.keys()].sort()).toEqual(["agent", "agent.local", "linklocal", "localhost"])
  })
})

describe("parseResolvConf and candidates", () => {
  it.each(
    [
      ["nothing", "", {}, { search: [], ndots: 1 }],
      [
        "search list and ndots",
        "nameserver 10.0.0.2\nsearch svc.cluster.local cluster.local\noptions ndots:5 timeout:2",
        {},
        {
          search: ["svc.cluster.local", "cluster.local"],
          ndots: 5
        }
      ],
      ["the last of search and domain wins", "search a.example b.example\ndomain c.example", {}, {
        search: ["c.example"],
        ndots: 1
      }],
      ["comments", "search a.example # b.example\n; search x", {}, { search: ["a.example"], ndots: 1 }],
      ["LOCALDOMAIN and RES_OPTIONS override", "search a.example\noptions ndots:2", {
        LOCALDOMAIN: "z.example y.example",
        RES_OPTIONS: "ndots:3"
      }, {
        search: ["z.example", "y.example"],
        ndots: 3
      }]
    ] as const
  )("%s", (_, text, env, expected) => {
    expect(parseResolvConf(text, env)).toEqual(expected)
  })

  it.each(
    [
      ["a short name: the search list first", "agent", { search: ["a.example", "b.example"], ndots: 1 }, [
        "agent.a.example",
        "agent.b.example",
        "agent"
      ]],
      ["enough dots: as it is first", "agent.corp", { search: ["a.example"], ndots: 1 }, [
        "agent.corp",
        "agent.corp.a.example"
      ]],
      ["Kubernetes' ndots:5", "agent.datadog.svc", { search: ["ns.svc.cluster.local"], ndots: 5 }, [
        "agent.datadog.svc.ns.svc.cluster.local",
        "agent.datadog.svc"
      ]],
      ["a trailing dot: as it is only", "agent.corp.", { search: ["a.example"], ndots: 1 }, ["agent.corp"]],
      ["no search list", "Agent", { search: [], ndots: 1 }, ["agent"]]
    ] as const
  )("%s", (_, name, conf, expected) => {
    expect(candidates(name, conf)).toEqual(expected)
  })
})

describe("resolveHost", () => {
  const quiet = { hostsText: "", resolvConfText: "" }

  it("answers IP literals, the hosts file and localhost without asking DNS", async () => {
    const dns = await startDns({})
    open.push(dns)
    const settings = { ...quiet, servers: [dns.address], deadlineMs: 5000, hostsText: "10.9.8.7 agent\n::2 agent" }
    expect(await resolveHost("192.0.2.1", settings)).toEqual([{ address: "192.0.2.1", family: 4 }])
    expect(await resolveHost("2001:db8::1", settings)).toEqual([{ address: "2001:db8::1", family: 6 }])
    expect(await resolveHost("AGENT", settings)).toEqual([{ address: "10.9.8.7", family: 4 }, {
      address: "::2",
      family: 6
    }])
    expect(await resolveHost("localhost", settings)).toEqual([{ address: "127.0.0.1", family: 4 }, {
      address: "::1",
      family: 6
    }])
    expect(await resolveHost("api.localhost", settings)).toHaveLength(2)
    expect(dns.questions).toEqual([])
  })

  it("asks DNS through the search list, in resolv.conf's order, IPv4 first", async () => {
    const dns = await startDns({ "agent.corp.example": { a: ["10.1.2.3"], aaaa: ["2001:db8::7"] } })
    open.push(dns)
    const found = await resolveHost("agent", {
      hostsText: "",
      resolvConfText: "search other.example corp.example",
      servers: [dns.address],
      deadlineMs: 10_000
    })
    expect(found).toEqual([{ address: "10.1.2.3", family: 4 }, { address: "2001:db8::7", family: 6 }])
    expect(dns.questions.filter((q) => q.endsWith(" A"))).toEqual(["agent.other.example A", "agent.corp.example A"])
  })

  it("a name no server knows: ENOTFOUND after every candidate", async () => {
    const dns = await startDns({})
    open.push(dns)
    const failed = await resolveHost("ghost", {
      hostsText: "",
      resolvConfText: "search a.example",
      servers: [dns.address],
      deadlineMs: 10_000
    })
      .catch((e: LookupFailed) => e)
    expect(failed).toMatchObject({ code: "ENOTFOUND", message: "ghost does not resolve" })
    expect(new Set(dns.questions.map((q) => q.split(" ")[0]))).toEqual(new Set(["ghost.a.example", "ghost"]))
  })

  it("a server that never answers: ETIMEOUT at the lookup's own deadline, whatever the search list", async () => {
    const dns = await startDns({}, { silent: true })
    open.push(dns)
    const failed = await resolveHost("agent", {
      hostsText: "",
      resolvConfText: "search a.example b.example c.example",
      servers: [dns.address],
      deadlineMs: 300
    }).catch((e: LookupFailed) => e)
    expect(failed).toMatchObject({ code: "ETIMEOUT", message: "no DNS answer for agent within 0.3 s" })
    expect(dns.questions.length).toBeGreaterThan(0)
  })

  it("a lookup still waiting for DNS does not hold the process's exit", async () => {
    const dns = await startDns({}, { silent: true })
    open.push(dns)
    const dir = mkdtempSync(join(tmpdir(), "gehen-lookup-exit-"))
    dirs.push(dir)
    const entry = join(dir, "entry.ts")
    writeFileSync(
      entry,
      `import { resolveHost } from ${
        JSON.stringify(join(import.meta.dirname, "..", "..", "src", "monitoring", "HostLookup.ts"))
      }
      resolveHost("agent", { hostsText: "", resolvConfText: "", servers: [${
        JSON.stringify(dns.address)
      }], deadlineMs: 600_000 }).catch(() => {})
      // Exit once the question is out, as gehen exits after its report.
      setTimeout(() => process.exit(7), 200)`
    )
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: join(dir, "entry.cjs"),
      logLevel: "silent"
    })
    const child = spawn(process.execPath, [join(dir, "entry.cjs")], { stdio: "ignore" })
    const startedAt = Date.now()
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(code).toBe(7)
    expect(dns.questions).toEqual(["agent A", "agent AAAA"])
    // Held, it would have waited for the 600 s deadline.
    expect(Date.now() - startedAt).toBeLessThan(120_000)
  })
})

describe("lookupWith and rememberingLookups", () => {
  const addresses = [{ address: "10.0.0.1", family: 4 as const }, { address: "::1", family: 6 as const }]
  const ask = (lookup: ReturnType<typeof lookupWith>, options: Parameters<ReturnType<typeof lookupWith>>[1]) =>
    new Promise<unknown>((resolve) =>
      lookup("agent", options, (error, address, family) => resolve(error === null ? { address, family } : error.code))
    )

  it("answers as dns.lookup does: the first address, one family, or all", async () => {
    const lookup = lookupWith(async () => addresses)
    expect(await ask(lookup, {})).toEqual({ address: "10.0.0.1", family: 4 })
    expect(await ask(lookup, { family: 6 })).toEqual({ address: "::1", family: 6 })
    expect(await ask(lookup, { all: true })).toEqual({ address: addresses, family: undefined })
    expect(await ask(lookupWith(async () => [addresses[0]!]), { family: 6 })).toBe("ENOTFOUND")
  })

  it("looks each name up once; a failure is tried again only after the retry interval", async () => {
    let calls = 0
    let fail = true
    const { addresses: resolve } = rememberingLookups(async () => {
      calls++
      if (fail) throw new Error("down")
      return addresses
    }, 50)
    await expect(resolve("agent")).rejects.toThrow("down")
    await expect(resolve("agent")).rejects.toThrow("down")
    expect(calls).toBe(1)
    fail = false
    await new Promise((r) => setTimeout(r, 80))
    expect(await resolve("agent")).toEqual(addresses)
    expect(await resolve("agent")).toEqual(addresses)
    expect(calls).toBe(2)
  })
})
