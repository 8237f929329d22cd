/** What the HTTP face writes back, and the JSON protocols' encoding of the model's answers. */

export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** JSON protocols carry timestamps as epoch seconds; absent members are left out. */
export const toWire = (v: unknown): unknown => {
  if (v instanceof Date) return v.getTime() / 1000
  if (Array.isArray(v)) return v.map(toWire)
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toWire(x)
    return out
  }
  return v
}

export const plain = (status: number, body: string, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { "content-type": "text/plain", ...headers },
  body
})

export const controlJson = (status: number, body: unknown): Reply => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body)
})
