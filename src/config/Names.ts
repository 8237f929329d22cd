/**
 * Names and ARNs of the AWS resources gehen.yml refers to: the regular expressions the
 * schema checks them with, and the helpers that take them apart.
 */

import * as Option from "effect/Option"

/** Any AWS partition: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, … */
const partition = "aws(?:-[a-z]+)*"
export const region = "[a-z]{2}(?:-[a-z]+)+-\\d+"
const account = "\\d{12}"

export const clusterNameChars = "[A-Za-z0-9_-]{1,255}"
export const serviceNameChars = "[A-Za-z0-9_-]{1,255}"
export const ruleNameChars = "[A-Za-z0-9._-]{1,64}"
/** `eventBusName:` takes a bus name or a bus ARN. */
export const eventBusNameChars = "[A-Za-z0-9._/:-]{1,256}"
/** A bus name inside an ARN (partner buses have slashes: aws.partner/example.com/123/name). */
const busNameChars = "[A-Za-z0-9._/-]{1,256}"

export const regionPattern = new RegExp(`^${region}$`)
export const clusterNamePattern = new RegExp(`^${clusterNameChars}$`)
export const clusterArnSource = `arn:${partition}:ecs:${region}:${account}:cluster/${clusterNameChars}`
const clusterArnPattern = new RegExp(`^arn:${partition}:ecs:(${region}):${account}:cluster/(${clusterNameChars})$`)
export const serviceNamePattern = new RegExp(`^${serviceNameChars}$`)
export const roleArnSource = `^arn:${partition}:iam::${account}:role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`
export const roleArnPattern = new RegExp(roleArnSource)
export const ruleNamePattern = new RegExp(`^${ruleNameChars}$`)
export const ruleArnSource = `arn:${partition}:events:${region}:${account}:rule/(?:${busNameChars}/)?${ruleNameChars}`
const ruleArnPattern = new RegExp(
  `^arn:(${partition}):events:(${region}):(${account}):rule/(?:(${busNameChars})/)?(${ruleNameChars})$`
)
export const eventBusNamePattern = new RegExp(`^${eventBusNameChars}$`)
const eventBusArnPattern = new RegExp(
  `^arn:(${partition}):events:(${region}):(${account}):event-bus/(${busNameChars})$`
)

// ---------------------------------------------------------------------------
// Clusters
// ---------------------------------------------------------------------------

export const isClusterArn = (s: string): boolean => clusterArnPattern.test(s)

/** The region of a cluster ARN; none for a plain cluster name. */
export const regionOfCluster = (cluster: string): Option.Option<string> =>
  Option.fromNullable(clusterArnPattern.exec(cluster)?.[1])

/** The cluster name: the part after `cluster/` of an ARN, or the name itself. */
export const clusterName = (cluster: string): string => {
  const match = clusterArnPattern.exec(cluster)
  if (match?.[2] !== undefined) return match[2]
  // Be lenient with ARN-like strings the strict pattern rejects: callers may pass raw input.
  const i = cluster.indexOf(":cluster/")
  return cluster.startsWith("arn:") && i !== -1 ? cluster.slice(i + ":cluster/".length) : cluster
}

// ---------------------------------------------------------------------------
// EventBridge rules and buses
// ---------------------------------------------------------------------------

/** The name of the event bus a rule is on when no other is given. */
export const defaultEventBus = "default"

export interface RuleArn {
  readonly partition: string
  readonly region: string
  readonly account: string
  /** Absent for the default event bus. */
  readonly eventBusName?: string
  readonly rule: string
}

/**
 * `arn:<partition>:events:<region>:<account>:rule/<name>` (a rule of the default bus) or
 * `…:rule/<bus-name>/<name>` (a rule of a custom or partner bus); none for anything else.
 */
export const parseRuleArn = (s: string): Option.Option<RuleArn> => {
  const m = ruleArnPattern.exec(s)
  if (m === null) return Option.none()
  const [, part = "", reg = "", acct = "", bus, rule = ""] = m
  return Option.some({
    partition: part,
    region: reg,
    account: acct,
    ...(bus === undefined || bus === defaultEventBus ? {} : { eventBusName: bus }),
    rule
  })
}

export interface EventBusArn {
  readonly partition: string
  readonly region: string
  readonly account: string
  readonly name: string
}

/** `arn:<partition>:events:<region>:<account>:event-bus/<name>`; none for anything else. */
export const parseEventBusArn = (s: string): Option.Option<EventBusArn> => {
  const m = eventBusArnPattern.exec(s)
  if (m === null) return Option.none()
  const [, part = "", reg = "", acct = "", name = ""] = m
  return Option.some({ partition: part, region: reg, account: acct, name })
}
