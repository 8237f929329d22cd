/** Paging like the AWS list operations: opaque `nextToken`s and per-operation page limits. */
import { awsError } from "./SimFaults.js"

const encodeToken = (offset: number): string => Buffer.from(`sim:${offset}`).toString("base64")

const decodeToken = (token: string | undefined): number => {
  if (token === undefined || token === "") return 0
  const m = /^sim:(\d+)$/.exec(Buffer.from(token, "base64").toString())
  if (m === null || m[1] === undefined) throw awsError("InvalidParameterException", "Invalid nextToken.")
  return Number(m[1])
}

/** One page of `items`: `limit` (default `dflt`, at most `max`) from the token's offset. */
export const page = <A>(
  items: ReadonlyArray<A>,
  token: string | undefined,
  limit: number | undefined,
  dflt: number,
  max: number,
  code: string
): { readonly items: Array<A>; readonly next: string | undefined } => {
  const n = limit ?? dflt
  if (!Number.isInteger(n) || n < 1 || n > max) throw awsError(code, `maxResults must be between 1 and ${max}.`)
  const offset = decodeToken(token)
  const slice = items.slice(offset, offset + n)
  return { items: slice, next: offset + n < items.length ? encodeToken(offset + n) : undefined }
}
