/** Decoding a gehen.yml text in tests, as `gehen.yml`. */

import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type ConfigError, decodeConfig } from "../../src/config/Config.js"

export const decode = (text: string) => decodeConfig("gehen.yml", text)

/** Every error of a file that does not decode, in file order. */
export const decodeErrors = (text: string) => Effect.map(Effect.flip(decode(text)), (e) => e.errors)

/** The error of a file with one mistake (the test fails when there are more). */
export const decodeError = (text: string) =>
  Effect.map(decodeErrors(text), (errors): ConfigError => {
    expect(errors.map((e) => e.message)).toHaveLength(1)
    return errors[0]
  })
