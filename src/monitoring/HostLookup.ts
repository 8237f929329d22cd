/**
 * The receivers' host names resolved without the system resolver. Node's `dns.lookup`
 * (what sockets, `http` and `fetch` use) runs getaddrinfo on libuv's thread pool, and
 * a process exits only once that pool's threads have returned: a lookup stuck on a DNS
 * server that never answers (5 s per try with the usual resolv.conf) holds the exit
 * that long, whatever the flush budget says. Here a name is looked up as getaddrinfo
 * would, in its order, but never on that pool: an IP literal as it is, the hosts file,
 * `localhost`, then DNS over c-ares (`dns.Resolver`, on the event loop) through
 * resolv.conf's search domains, all within a deadline. A query still open at the exit
 * holds nothing. The parsing and the order of tries are pure functions.
 */
import { Resolver } from "node:dns"
import type { LookupAddress, LookupOptions } from "node:dns"
import { readFileSync } from "node:fs"
import { isIP } from "node:net"

export interface Address {
  readonly address: string
  readonly family: 4 | 6
}

const familyOf = (address: string): 4 | 6 | undefined => {
  const v = isIP(address)
  return v === 4 || v === 6 ? v : undefined
}

/** Lowercased, without a trailing dot: how names compare. */
const normal = (name: string) => name.toLowerCase().replace(/\.$/, "")

/** `/etc/hosts`: per name (lowercased) its addresses, in file order. Comments and malformed lines are skipped. */
export const parseHosts = (text: string): ReadonlyMap<string, ReadonlyArray<Address>> => {
  const hosts = new Map<string, Array<Address>>()
  for (const raw of text.split(/\r?\n/)) {
    const [address, ...names] = raw.replace(/#.*/, "").trim().split(/\s+/)
    // A zone index (fe80::1%eth0) is not part of the address isIP checks.
    const family = address === undefined ? undefined : familyOf(address.replace(/%.*/, ""))
    if (family === undefined || names.length === 0) continue
    for (const name of names) {
      const key = normal(name)
      const known = hosts.get(key) ?? []
      if (!known.some((a) => a.address === address)) known.push({ address: address!, family })
      hosts.set(key, known)
    }
  }
  return hosts
}

export interface ResolvConf {
  /** The search list: `search` (or `domain`, whichever comes last), or LOCALDOMAIN. */
  readonly search: ReadonlyArray<string>
  /** A name with at least this many dots is tried as given before the search list (default 1). */
  readonly ndots: number
}

/** resolv.conf(5)'s `search`, `domain` and `options ndots:n`, with glibc's LOCALDOMAIN and RES_OPTIONS overrides. */
export const parseResolvConf = (text: string, env: Readonly<Record<string, string | undefined>> = {}): ResolvConf => {
  let search: ReadonlyArray<string> = []
  let ndots = 1
  const optionsOf = (words: ReadonlyArray<string>) => {
    for (const w of words) {
      const m = /^ndots:(\d+)$/.exec(w)
      if (m !== null) ndots = Math.min(Number(m[1]), 15)
    }
  }
  for (const raw of text.split(/\r?\n/)) {
    const [keyword, ...words] = raw.replace(/[#;].*/, "").trim().split(/\s+/)
    if (keyword === "search") search = words.filter((w) => w !== "")
    else if (keyword === "domain" && words[0] !== undefined) search = [words[0]]
    else if (keyword === "options") optionsOf(words)
  }
  const local = env["LOCALDOMAIN"]
  if (local !== undefined) search = local.trim().split(/\s+/).filter((w) => w !== "")
  optionsOf((env["RES_OPTIONS"] ?? "").trim().split(/\s+/))
  return { search: search.map(normal).filter((d) => d !== ""), ndots }
}

/**
 * The names DNS is asked, in order, as resolv.conf(5) says: a name ending in a dot as
 * it is only; a name with at least `ndots` dots as it is, then with each search domain;
 * a shorter one with each search domain first, then as it is.
 */
export const candidates = (name: string, conf: ResolvConf): ReadonlyArray<string> => {
  if (name.endsWith(".")) return [normal(name)]
  const searched = conf.search.map((domain) => `${normal(name)}.${domain}`)
  const dots = name.split(".").length - 1
  return dots >= conf.ndots ? [normal(name), ...searched] : [...searched, normal(name)]
}

export class LookupFailed extends Error {
  constructor(readonly code: "ENOTFOUND" | "ETIMEOUT" | string, message: string) {
    super(message)
  }
}

export interface LookupSettings {
  /** The whole lookup's bound, every search domain included. */
  readonly deadlineMs: number
  /** The hosts file's text; read from the system's when absent. */
  readonly hostsText?: string | undefined
  /** resolv.conf's text; read from /etc/resolv.conf when absent. */
  readonly resolvConfText?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** DNS servers to ask instead of the system's (`host` or `host:port`). */
  readonly servers?: ReadonlyArray<string> | undefined
}

const readQuietly = (path: string): string => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return ""
  }
}

const systemHostsFile = () =>
  process.platform === "win32"
    ? `${process.env["SystemRoot"] ?? "C:\\Windows"}\\System32\\drivers\\etc\\hosts`
    : "/etc/hosts"

/** Not found here, so the next search domain may have it. */
const NOT_FOUND = new Set(["ENOTFOUND", "ENODATA", "ENONAME"])

const LOOPBACK: ReadonlyArray<Address> = [{ address: "127.0.0.1", family: 4 }, { address: "::1", family: 6 }]

/**
 * The addresses of `name`, IPv4 first; rejects with a {@link LookupFailed} (ENOTFOUND, or
 * ETIMEOUT at the deadline, or the DNS error that ended the search).
 */
export const resolveHost = (name: string, settings: LookupSettings): Promise<ReadonlyArray<Address>> => {
  const literal = familyOf(name)
  if (literal !== undefined) return Promise.resolve([{ address: name, family: literal }])
  const hosts = parseHosts(settings.hostsText ?? readQuietly(systemHostsFile())).get(normal(name))
  if (hosts !== undefined) return Promise.resolve([...hosts].sort((a, b) => a.family - b.family))
  // RFC 6761: localhost and its subdomains are loopback, whatever DNS says.
  if (normal(name) === "localhost" || normal(name).endsWith(".localhost")) return Promise.resolve(LOOPBACK)

  const conf = parseResolvConf(settings.resolvConfText ?? readQuietly("/etc/resolv.conf"), settings.env ?? process.env)
  const resolver = new Resolver({ timeout: Math.max(1, Math.floor(settings.deadlineMs)), tries: 1 })
  if (settings.servers !== undefined) resolver.setServers([...settings.servers])
  const ask = (host: string, family: 4 | 6) =>
    new Promise<ReadonlyArray<Address>>((resolve, reject) => {
      const done = (error: NodeJS.ErrnoException | null, addresses: ReadonlyArray<string>) =>
        error === null ? resolve(addresses.map((address) => ({ address, family }))) : reject(error)
      if (family === 4) resolver.resolve4(host, done)
      else resolver.resolve6(host, done)
    })
  const search = async (): Promise<ReadonlyArray<Address>> => {
    let failure: NodeJS.ErrnoException | undefined
    for (const host of candidates(name, conf)) {
      const [v4, v6] = await Promise.allSettled([ask(host, 4), ask(host, 6)])
      const found = [...(v4.status === "fulfilled" ? v4.value : []), ...(v6.status === "fulfilled" ? v6.value : [])]
      if (found.length > 0) return found
      for (const r of [v4, v6]) {
        if (r.status === "rejected" && !NOT_FOUND.has((r.reason as NodeJS.ErrnoException).code ?? "")) {
          failure = r.reason
        }
      }
    }
    throw failure === undefined
      ? new LookupFailed("ENOTFOUND", `${name} does not resolve`)
      : new LookupFailed(failure.code ?? "EAI_FAIL", `could not resolve ${name}: ${failure.code ?? failure.message}`)
  }
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      resolver.cancel()
      reject(new LookupFailed("ETIMEOUT", `no DNS answer for ${name} within ${settings.deadlineMs / 1000} s`))
    }, settings.deadlineMs)
    // The exit never waits for it.
    timer.unref()
  })
  return Promise.race([search(), deadline]).finally(() => clearTimeout(timer))
}

/**
 * `resolve` answering each name once per run; a failed lookup is forgotten after
 * `retryAfterMs`, so a later use tries again (a DNS hiccup at the start of a long run).
 * `addresses` for a client that takes an address (DogStatsD), `lookup` for a socket's.
 */
export const rememberingLookups = (
  resolve: (name: string) => Promise<ReadonlyArray<Address>>,
  retryAfterMs: number
): { readonly addresses: (name: string) => Promise<ReadonlyArray<Address>>; readonly lookup: LookupFn } => {
  const known = new Map<string, { readonly pending: Promise<ReadonlyArray<Address>>; failedAt?: number }>()
  const addresses = (name: string) => {
    const entry = known.get(name)
    if (entry !== undefined && (entry.failedAt === undefined || Date.now() - entry.failedAt < retryAfterMs)) {
      return entry.pending
    }
    const fresh: { readonly pending: Promise<ReadonlyArray<Address>>; failedAt?: number } = { pending: resolve(name) }
    fresh.pending.catch(() => (fresh.failedAt = Date.now()))
    known.set(name, fresh)
    return fresh.pending
  }
  return { addresses, lookup: lookupWith(addresses) }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | Array<LookupAddress>,
  family?: number
) => void

/** What `net.connect`, `http.request` and `dgram.createSocket` take as `lookup`. */
export type LookupFn = (hostname: string, options: LookupOptions, callback: LookupCallback) => void

/**
 * A `lookup` for `net.connect`, `http.request` and `dgram` over `resolve`, answering as
 * `dns.lookup` answers (one address, or all of them with `all`).
 */
export const lookupWith =
  (resolve: (name: string) => Promise<ReadonlyArray<Address>>): LookupFn =>
  (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const wanted = options.family === 4 || options.family === "IPv4"
      ? 4
      : options.family === 6 || options.family === "IPv6"
      ? 6
      : 0
    resolve(hostname).then(
      (addresses) => {
        const fitting = wanted === 0 ? addresses : addresses.filter((a) => a.family === wanted)
        const first = fitting[0]
        if (first === undefined) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${wanted} address`)
          error.code = "ENOTFOUND"
          callback(error, "")
        } else if (options.all === true) callback(null, fitting.map((a) => ({ address: a.address, family: a.family })))
        else callback(null, first.address, first.family)
      },
      (e: unknown) => {
        const error: NodeJS.ErrnoException = e instanceof Error ? e : new Error(String(e))
        if (e instanceof LookupFailed) error.code = e.code
        callback(error, "")
      }
    )
  }
