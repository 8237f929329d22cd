/** Paging like the AWS list operations: opaque `nextToken`s and per-operation page limits. */
import type { SimLatitude } from "./Choices.js"
import { awsError } from "./Faults.js"

const encodeToken = (offset: number): string => Buffer.from(`sim:${offset}`).toString("base64")

const decodeToken = (token: string | undefined): number => {
  if (token === undefined || token === "") return 0
  const m = /^sim:(\d+)$/.exec(Buffer.from(token, "base64").toString())
  if (m === null || m[1] === undefined) throw awsError("InvalidParameterException", "Invalid nextToken.")
  return Number(m[1])
}

/**
 * One page of `items` from the token's offset: `limit` of them (default `dflt`, at most
 * `max`), or, where the run's choices say so, any number from 1 to that (AWS may answer
 * fewer than asked for, with a nextToken).
 */
export const page = <A>(
  items: ReadonlyArray<A>,
  token: string | undefined,
  limit: number | undefined,
  dflt: number,
  max: number,
  code: string,
  latitude?: SimLatitude
): { readonly items: Array<A>; readonly next: string | undefined } => {
  const asked = limit ?? dflt
  if (!Number.isInteger(asked) || asked < 1 || asked > max) {
    throw awsError(code, `maxResults must be between 1 and ${max}.`)
  }
  const n = latitude === undefined ? asked : latitude.pageSize(asked)
  const offset = decodeToken(token)
  const slice = items.slice(offset, offset + n)
  return { items: slice, next: offset + n < items.length ? encodeToken(offset + n) : undefined }
}
