// A DNS server on a loopback UDP port for the lookup tests: it answers A and AAAA
// questions from a table (NXDOMAIN for names it does not know), or, when `silent`, records
// each question and never answers, as a DNS server behind a dead network does.
import { createSocket } from "node:dgram"
import type { AddressInfo } from "node:net"

export interface DnsServer {
  readonly address: string
  /** The names asked, in order (`name A` or `name AAAA`). */
  readonly questions: Array<string>
  readonly close: () => Promise<void>
}

const TYPES: Readonly<Record<number, string>> = { 1: "A", 28: "AAAA" }

const readName = (msg: Buffer, at: number): { name: string; end: number } => {
  const labels: Array<string> = []
  let i = at
  while (msg[i] !== 0) {
    const length = msg[i]!
    labels.push(msg.subarray(i + 1, i + 1 + length).toString("ascii"))
    i += 1 + length
  }
  return { name: labels.join(".").toLowerCase(), end: i + 1 }
}

const ipv4 = (address: string) => Buffer.from(address.split(".").map(Number))
const ipv6 = (address: string) => {
  const [head, tail] = address.split("::") as [string, string | undefined]
  const parts = (s: string | undefined) => (s === undefined || s === "" ? [] : s.split(":"))
  const left = parts(head)
  const right = parts(tail)
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
  return Buffer.concat(groups.map((g) => {
    const b = Buffer.alloc(2)
    b.writeUInt16BE(parseInt(g, 16))
    return b
  }))
}

export const startDns = (
  table: Readonly<Record<string, { readonly a?: ReadonlyArray<string>; readonly aaaa?: ReadonlyArray<string> }>>,
  options: { readonly silent?: boolean } = {}
): Promise<DnsServer> =>
  new Promise((resolve) => {
    const socket = createSocket("udp4")
    const questions: Array<string> = []
    socket.on("message", (query, peer) => {
      const { name, end } = readName(query, 12)
      const type = query.readUInt16BE(end)
      questions.push(`${name} ${TYPES[type] ?? type}`)
      if (options.silent === true) return
      const entry = table[name]
      const records = entry === undefined
        ? []
        : type === 1
        ? (entry.a ?? []).map(ipv4)
        : type === 28
        ? (entry.aaaa ?? []).map(ipv6)
        : []
      const header = Buffer.alloc(12)
      query.copy(header, 0, 0, 2)
      // A response, recursion available, NXDOMAIN (3) for an unknown name, else no error.
      header.writeUInt16BE(0x8180 | (entry === undefined ? 3 : 0), 2)
      header.writeUInt16BE(1, 4)
      header.writeUInt16BE(records.length, 6)
      const question = query.subarray(12, end + 4)
      const answers = records.map((data) => {
        const rr = Buffer.alloc(12)
        rr.writeUInt16BE(0xc00c, 0)
        rr.writeUInt16BE(type, 2)
        rr.writeUInt16BE(1, 4)
        rr.writeUInt32BE(60, 6)
        rr.writeUInt16BE(data.length, 10)
        return Buffer.concat([rr, data])
      })
      socket.send(Buffer.concat([header, question, ...answers]), peer.port, peer.address)
    })
    socket.bind(0, "127.0.0.1", () => {
      resolve({
        address: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
        questions,
        close: () => new Promise((done) => socket.close(() => done()))
      })
    })
  })
