// Reads OTLP trace exports as a collector would: protobuf (ExportTraceServiceRequest,
// decoded field by field from the wire format) or JSON, into one flat list of spans.
import type { Received } from "./receivers.js"

export type AttributeValue = string | number | boolean | null | ReadonlyArray<AttributeValue>

export interface DecodedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly name: string
  readonly kind: number
  readonly startNanos: bigint
  readonly endNanos: bigint
  readonly attributes: Readonly<Record<string, AttributeValue>>
  readonly events: ReadonlyArray<
    { readonly name: string; readonly attributes: Readonly<Record<string, AttributeValue>> }
  >
  readonly status: { readonly code: number; readonly message: string }
}

export interface DecodedExport {
  readonly resource: Readonly<Record<string, AttributeValue>>
  readonly spans: ReadonlyArray<DecodedSpan>
}

// --- protobuf wire format ----------------------------------------------------------

interface Field {
  readonly no: number
  readonly wire: number
  readonly varint: bigint
  readonly bytes: Uint8Array
}

const fields = (buf: Uint8Array): Array<Field> => {
  const out: Array<Field> = []
  let i = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = buf[i++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (i < buf.length) {
    const key = Number(varint())
    const no = key >>> 3
    const wire = key & 7
    if (wire === 0) out.push({ no, wire, varint: varint(), bytes: new Uint8Array() })
    else if (wire === 1) {
      out.push({
        no,
        wire,
        varint: new DataView(buf.buffer, buf.byteOffset + i, 8).getBigUint64(0, true),
        bytes: buf.subarray(i, i + 8)
      })
      i += 8
    } else if (wire === 2) {
      const len = Number(varint())
      out.push({ no, wire, varint: 0n, bytes: buf.subarray(i, i + len) })
      i += len
    } else if (wire === 5) {
      out.push({ no, wire, varint: 0n, bytes: buf.subarray(i, i + 4) })
      i += 4
    } else throw new Error(`unexpected wire type ${wire}`)
  }
  return out
}

const utf8 = (b: Uint8Array) => Buffer.from(b).toString("utf8")
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

const anyValue = (b: Uint8Array): AttributeValue => {
  for (const f of fields(b)) {
    switch (f.no) {
      case 1:
        return utf8(f.bytes)
      case 2:
        return f.varint !== 0n
      case 3:
        return Number(BigInt.asIntN(64, f.varint))
      case 4:
        return new DataView(f.bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true)
      case 5:
        return fields(f.bytes).filter((v) => v.no === 1).map((v) => anyValue(v.bytes))
    }
  }
  return null
}

const keyValues = (list: ReadonlyArray<Field>): Record<string, AttributeValue> =>
  Object.fromEntries(list.map((kv) => {
    const parts = fields(kv.bytes)
    return [
      utf8(parts.find((p) => p.no === 1)?.bytes ?? new Uint8Array()),
      anyValue(parts.find((p) => p.no === 2)?.bytes ?? new Uint8Array())
    ]
  }))

const protoSpan = (b: Uint8Array): DecodedSpan => {
  const fs = fields(b)
  const one = (no: number) => fs.find((f) => f.no === no)
  const status = fields(one(15)?.bytes ?? new Uint8Array())
  return {
    traceId: hex(one(1)?.bytes ?? new Uint8Array()),
    spanId: hex(one(2)?.bytes ?? new Uint8Array()),
    parentSpanId: hex(one(4)?.bytes ?? new Uint8Array()),
    name: utf8(one(5)?.bytes ?? new Uint8Array()),
    kind: Number(one(6)?.varint ?? 0n),
    startNanos: one(7)?.varint ?? 0n,
    endNanos: one(8)?.varint ?? 0n,
    attributes: keyValues(fs.filter((f) => f.no === 9)),
    events: fs.filter((f) => f.no === 11).map((e) => {
      const ef = fields(e.bytes)
      return {
        name: utf8(ef.find((f) => f.no === 2)?.bytes ?? new Uint8Array()),
        attributes: keyValues(ef.filter((f) => f.no === 3))
      }
    }),
    status: {
      message: utf8(status.find((f) => f.no === 2)?.bytes ?? new Uint8Array()),
      code: Number(status.find((f) => f.no === 3)?.varint ?? 0n)
    }
  }
}

const fromProtobuf = (body: Uint8Array): Array<DecodedExport> =>
  fields(body).filter((f) => f.no === 1).map((rs) => {
    const rsf = fields(rs.bytes)
    const resource = keyValues(fields(rsf.find((f) => f.no === 1)?.bytes ?? new Uint8Array()).filter((f) => f.no === 1))
    const spans = rsf.filter((f) => f.no === 2).flatMap((ss) =>
      fields(ss.bytes).filter((f) => f.no === 2).map((s) => protoSpan(s.bytes))
    )
    return { resource, spans }
  })

// --- JSON --------------------------------------------------------------------------

interface JsonAny {
  readonly stringValue?: string
  readonly boolValue?: boolean
  readonly intValue?: number | string
  readonly doubleValue?: number
  readonly arrayValue?: { readonly values: ReadonlyArray<JsonAny> }
}
interface JsonKv {
  readonly key: string
  readonly value: JsonAny
}
interface JsonSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly startTimeUnixNano: string
  readonly endTimeUnixNano: string
  readonly attributes: ReadonlyArray<JsonKv>
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: ReadonlyArray<JsonKv> }>
  readonly status: { readonly code: number; readonly message?: string }
}
interface JsonExport {
  readonly resourceSpans: ReadonlyArray<{
    readonly resource: { readonly attributes: ReadonlyArray<JsonKv> }
    readonly scopeSpans: ReadonlyArray<{ readonly spans: ReadonlyArray<JsonSpan> }>
  }>
}

const jsonValue = (v: JsonAny): AttributeValue =>
  v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ??
    (v.arrayValue ? v.arrayValue.values.map(jsonValue) : null)
const jsonKvs = (kvs: ReadonlyArray<JsonKv>) => Object.fromEntries(kvs.map((kv) => [kv.key, jsonValue(kv.value)]))

const fromJson = (body: Buffer): Array<DecodedExport> =>
  (JSON.parse(body.toString("utf8")) as JsonExport).resourceSpans.map((rs) => ({
    resource: jsonKvs(rs.resource.attributes),
    spans: rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((s) => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? "",
        name: s.name,
        kind: s.kind,
        startNanos: BigInt(s.startTimeUnixNano),
        endNanos: BigInt(s.endTimeUnixNano),
        attributes: jsonKvs(s.attributes),
        events: s.events.map((e) => ({ name: e.name, attributes: jsonKvs(e.attributes) })),
        status: { code: s.status.code, message: s.status.message ?? "" }
      }))
    )
  }))

/** Every export a collector received, decoded by its content type. */
export const decodeExports = (requests: ReadonlyArray<Received>): Array<DecodedExport> =>
  requests.flatMap((r) =>
    String(r.headers["content-type"]).startsWith("application/x-protobuf") ? fromProtobuf(r.body) : fromJson(r.body)
  )

/** The spans of a run, with lookups by name and by parent. */
export const spanTree = (exports: ReadonlyArray<DecodedExport>) => {
  const spans = exports.flatMap((e) => e.spans)
  const named = (name: string) => spans.filter((s) => s.name === name)
  const one = (name: string) => {
    const found = named(name)
    if (found.length !== 1) {
      throw new Error(`expected one span ${name}, found ${found.length}: ${spans.map((s) => s.name).join(", ")}`)
    }
    return found[0]!
  }
  const children = (parent: DecodedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId)
  return { spans, named, one, children }
}

export const OTLP_STATUS = { unset: 0, ok: 1, error: 2 } as const
