import { describe, expect, it } from "vitest"
import { readsPerRound, roundBudget } from "../../../src/deploy/checks/ReadBudget.js"

describe("the read budget of a poll round", () => {
  it.each([
    // services, reads a round
    [1, 1],
    [10, 1],
    [11, 3],
    [20, 3],
    [50, 7],
    [200, 30]
  ])("%i services: %i reads", (services, reads) => {
    expect(readsPerRound(services)).toBe(reads)
  })

  it.each([
    // services, a look due, DescribeServices calls, look calls
    [5, false, 1, 0],
    // No spare read: the look takes the round's one read.
    [5, true, 0, 1],
    [10, true, 0, 1],
    [12, false, 2, 0],
    [12, true, 2, 1],
    [50, true, 5, 2],
    [200, true, 20, 10]
  ])("%i services, look due %s: %i DescribeServices, %i look calls", (services, due, describe, looks) => {
    expect(roundBudget(services, due)).toEqual({ describe, looks })
  })
})
