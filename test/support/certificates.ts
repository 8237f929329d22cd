// X.509 certificates for TLS tests, made with node:crypto alone (no openssl binary): a
// minimal DER encoder for a v3 certificate with an EC P-256 key, a subject alternative
// name and chosen validity dates, signed by itself or by a test CA.
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto"

const length = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n])
  const bytes: Array<number> = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}
const tlv = (tag: number, ...content: ReadonlyArray<Buffer>): Buffer => {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), length(body.length), body])
}
const seq = (...content: ReadonlyArray<Buffer>) => tlv(0x30, ...content)
const set = (...content: ReadonlyArray<Buffer>) => tlv(0x31, ...content)
const integer = (n: number): Buffer => {
  const bytes: Array<number> = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes.unshift(0)
  return tlv(0x02, Buffer.from(bytes))
}
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split(".").map(Number)
  const out = [a! * 40 + b!]
  for (const part of rest) {
    const groups: Array<number> = []
    for (let v = part;; v = Math.floor(v / 128)) {
      groups.unshift(v % 128)
      if (v < 128) break
    }
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)))
  }
  return tlv(0x06, Buffer.from(out))
}
const time = (d: Date): Buffer => {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z" // YYYYMMDDHHMMSSZ
  const year = d.getUTCFullYear()
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(iso.slice(2), "ascii"))
    : tlv(0x18, Buffer.from(iso, "ascii"))
}
const name = (cn: string) => seq(set(seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(cn, "utf8")))))
const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"))

const subjectAltName = (hosts: ReadonlyArray<string>): Buffer =>
  seq(
    ...hosts.map((h) =>
      /^\d+\.\d+\.\d+\.\d+$/.test(h)
        ? tlv(0x87, Buffer.from(h.split(".").map(Number)))
        : tlv(0x82, Buffer.from(h, "ascii"))
    )
  )

export interface Issued {
  /** PEM, for `https.createServer({ cert })` or NODE_EXTRA_CA_CERTS. */
  readonly cert: string
  /** PEM (PKCS#8). */
  readonly key: string
  readonly privateKey: KeyObject
  readonly subject: string
}

const pem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${
    der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")
  }\n-----END CERTIFICATE-----\n`

let serial = 1

/**
 * A certificate for `hosts` (DNS names or IPv4 addresses), valid from `notBefore` to
 * `notAfter`, signed by `issuer` or, without one, by itself. `ca` makes it a CA.
 */
export const issueCertificate = (options: {
  readonly subject: string
  readonly hosts?: ReadonlyArray<string>
  readonly notBefore?: Date
  readonly notAfter?: Date
  readonly issuer?: Issued
  readonly ca?: boolean
}): Issued => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
  const day = 24 * 60 * 60 * 1000
  const extensions = [
    ...(options.hosts === undefined ? [] : [seq(oid("2.5.29.17"), tlv(0x04, subjectAltName(options.hosts)))]),
    ...(options.ca === true
      ? [seq(oid("2.5.29.19"), tlv(0x01, Buffer.from([0xff])), tlv(0x04, seq(tlv(0x01, Buffer.from([0xff])))))]
      : [])
  ]
  const tbs = seq(
    tlv(0xa0, integer(2)),
    integer(serial++),
    ECDSA_SHA256,
    name(options.issuer?.subject ?? options.subject),
    seq(time(options.notBefore ?? new Date(Date.now() - day)), time(options.notAfter ?? new Date(Date.now() + day))),
    name(options.subject),
    publicKey.export({ type: "spki", format: "der" }),
    ...(extensions.length === 0 ? [] : [tlv(0xa3, seq(...extensions))])
  )
  const signature = sign("sha256", tbs, options.issuer?.privateKey ?? privateKey)
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), signature))
  const key = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  return { cert: pem(der), key, privateKey: createPrivateKey(key), subject: options.subject }
}
