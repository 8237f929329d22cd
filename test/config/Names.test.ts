import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Config from "../../src/config/Config.js"
import { parseEventBusArn, parseRuleArn } from "../../src/config/Names.js"

describe("parseRuleArn", () => {
  it("takes apart an ARN of a rule of the default bus", () => {
    expect(parseRuleArn("arn:aws:events:eu-west-1:123456789012:rule/nightly")).toStrictEqual(
      Option.some({ partition: "aws", region: "eu-west-1", account: "123456789012", rule: "nightly" })
    )
  })

  it("takes apart an ARN of a rule of a custom or partner bus", () => {
    expect(parseRuleArn("arn:aws-us-gov:events:us-gov-east-1:123456789012:rule/jobs/nightly.v2")).toStrictEqual(
      Option.some({
        partition: "aws-us-gov",
        region: "us-gov-east-1",
        account: "123456789012",
        eventBusName: "jobs",
        rule: "nightly.v2"
      })
    )
    expect(
      Option.map(parseRuleArn("arn:aws:events:us-east-1:123456789012:rule/aws.partner/saas.com/1/orders/r"), (a) => [
        a.eventBusName,
        a.rule
      ])
    ).toStrictEqual(Option.some(["aws.partner/saas.com/1/orders", "r"]))
  })

  it("treats rule/default/<name> as the default bus", () => {
    expect(
      Option.map(parseRuleArn("arn:aws:events:eu-west-1:123456789012:rule/default/nightly"), (a) => "eventBusName" in a)
    ).toStrictEqual(Option.some(false))
  })

  it("is none for anything else", () => {
    for (
      const s of [
        "nightly",
        "arn:aws:events:eu-west-1:123456789012:rule/",
        "arn:aws:events:eu-west-1:123456789012:event-bus/jobs",
        "arn:aws:events:eu-west-1:12345678901:rule/nightly",
        "arn:aws:ecs:eu-west-1:123456789012:rule/nightly",
        `arn:aws:events:eu-west-1:123456789012:rule/${"r".repeat(65)}`,
        "arn:aws:events:eu-west-1:123456789012:rule/nightly "
      ]
    ) {
      expect(parseRuleArn(s), s).toStrictEqual(Option.none())
    }
  })
})

describe("parseEventBusArn", () => {
  it("takes apart an event bus ARN, and nothing else", () => {
    expect(parseEventBusArn("arn:aws:events:eu-west-1:123456789012:event-bus/jobs")).toStrictEqual(
      Option.some({ partition: "aws", region: "eu-west-1", account: "123456789012", name: "jobs" })
    )
    expect(parseEventBusArn("jobs")).toStrictEqual(Option.none())
    expect(parseEventBusArn("arn:aws:events:eu-west-1:123456789012:rule/jobs")).toStrictEqual(Option.none())
  })
})

describe("src/config/Config.ts", () => {
  it("still exports what the rest of gehen imports from it", () => {
    expect(Object.keys(Config)).toEqual(expect.arrayContaining([
      "ConfigError",
      "GehenFile",
      "clusterName",
      "configDefaults",
      "decodeConfig",
      "loadConfig",
      "regionOfCluster"
    ]))
  })
})
