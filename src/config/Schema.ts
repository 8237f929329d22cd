/**
 * The schema of gehen.yml. Its encoded side is the YAML shape (which the JSON Schema
 * describes); its decoded side keeps that shape, with the defaults filled in.
 */

import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { configDefaults, isUpdateStrategy, updateStrategies } from "./Defaults.js"
import { expecting } from "./Expected.js"
import {
  clusterArnSource,
  clusterNameChars,
  clusterNamePattern,
  eventBusNameChars,
  eventBusNamePattern,
  isClusterArn,
  parseRuleArn,
  region,
  regionPattern,
  roleArnPattern,
  roleArnSource,
  ruleArnSource,
  ruleNameChars,
  ruleNamePattern,
  serviceNameChars,
  serviceNamePattern
} from "./Names.js"

/** `services:` with nothing under it is an empty map, as the original Gehen read it. */
const nullAsEmpty = <A, I>(schema: Schema.Schema<A, I>, empty: A) =>
  Schema.transform(Schema.NullOr(schema), Schema.typeSchema(schema), {
    strict: true,
    decode: (value) => value ?? empty,
    encode: (value) => value
  })

// ---------------------------------------------------------------------------
// services
// ---------------------------------------------------------------------------

const clusterExpected = "a cluster name (letters, digits, - and _, at most 255 characters) or an ECS cluster ARN"

const Cluster = Schema.String.pipe(
  Schema.filter((s) => s.length > 0, { ...expecting(clusterExpected) }),
  Schema.filter((s) => !s.startsWith("arn:") || isClusterArn(s), {
    ...expecting("an ECS cluster ARN like arn:aws:ecs:<region>:<12-digit account>:cluster/<name>")
  }),
  Schema.filter((s) => s.startsWith("arn:") || clusterNamePattern.test(s), {
    ...expecting(clusterExpected),
    title: "cluster",
    description: "ECS cluster name, or cluster ARN (its region is then used for the AWS calls).",
    // One pattern for editors, covering both spellings.
    jsonSchema: { pattern: `^(?:${clusterNameChars}|${clusterArnSource})$` }
  })
)

const ServiceName = Schema.String.pipe(
  Schema.filter((s) => serviceNamePattern.test(s), {
    ...expecting("an ECS service name (letters, digits, - and _, at most 255 characters)"),
    title: "name",
    description: "The ECS service name, when it differs from the key (e.g. the same service in two clusters " +
      "under the keys api-us and api-eu). Default: the key.",
    jsonSchema: { pattern: `^${serviceNameChars}$` }
  })
)

const isHttpUrl = (s: string): boolean => {
  // The WHATWG parser also takes "http:host"; insist on the written "//".
  if (!/^https?:\/\//i.test(s)) return false
  try {
    const url = new URL(s)
    return (url.protocol === "http:" || url.protocol === "https:") && url.host !== ""
  } catch {
    return false
  }
}

const Url = Schema.String.pipe(
  Schema.filter(isHttpUrl, {
    ...expecting("an http:// or https:// URL"),
    title: "url",
    description: "Absolute http:// or https:// URL whose response shows the deployed version (git sha).",
    jsonSchema: { format: "uri", pattern: "^[Hh][Tt][Tt][Pp][Ss]?://" }
  })
)

const TestUrl = Schema.String.pipe(
  Schema.filter(isHttpUrl, {
    ...expecting("an http:// or https:// URL"),
    title: "testUrl",
    description: "The version url of the service's test listener (blue/green). At a PAUSE lifecycle hook in " +
      "POST_TEST_TRAFFIC_SHIFT gehen lets the deployment go on once it serves the git sha, and rolls it back otherwise.",
    jsonSchema: { format: "uri", pattern: "^[Hh][Tt][Tt][Pp][Ss]?://" }
  })
)

const ContainerName = Schema.String.pipe(
  Schema.filter((s) => s.length > 0, { ...expecting("a non-empty container name"), jsonSchema: { minLength: 1 } })
)

const Containers = Schema.NonEmptyArray(ContainerName).annotations({
  ...expecting("a non-empty list of container names"),
  title: "containers",
  description: "Only these containers of the task definition get the new image tag; all containers when absent."
})

const Service = Schema.Struct({
  cluster: Cluster,
  name: Schema.optionalWith(ServiceName, { exact: true }),
  url: Schema.optionalWith(Url, { exact: true }),
  testUrl: Schema.optionalWith(TestUrl, { exact: true }),
  containers: Schema.optionalWith(Containers, { exact: true })
}).annotations({
  ...expecting("a map with cluster (required), name, url, testUrl and containers"),
  title: "service",
  description: "An ECS service to update."
})

/** What the checks across services look at: an entry with only these right is still compared. */
export const ServiceIdentity = Service.pick("cluster", "name")

const Services = nullAsEmpty(Schema.Record({ key: Schema.String, value: Service }), {}).annotations({
  ...expecting("a map keyed by service name (`<service-name>: {cluster: ...}`), not a list"),
  title: "services",
  description: "ECS services to update, keyed by service name (or by any unique key when `name` is given). " +
    "Nothing under it is the same as `{}`."
})

// ---------------------------------------------------------------------------
// scheduledTasks
// ---------------------------------------------------------------------------

const ruleExpected = "an EventBridge rule name (letters, digits, ., - and _, at most 64 characters) or rule ARN"

/** The key of a scheduled task: a rule name, or a rule ARN that also gives its region and event bus. */
export const RuleKey = Schema.String.pipe(
  Schema.filter((s) => !s.startsWith("arn:") || Option.isSome(parseRuleArn(s)), {
    ...expecting(
      "an EventBridge rule ARN like arn:aws:events:<region>:<12-digit account>:rule/<name> " +
        "or …:rule/<event-bus>/<name>"
    )
  }),
  Schema.filter((s) => s.startsWith("arn:") || ruleNamePattern.test(s), {
    ...expecting(ruleExpected),
    title: "rule",
    description: "EventBridge rule name, or rule ARN: arn:<partition>:events:<region>:<account>:rule/<name> for " +
      "the default event bus, …:rule/<event-bus>/<name> for another; the ARN gives the region and event bus.",
    jsonSchema: { pattern: `^(?:${ruleNameChars}|${ruleArnSource})$` }
  })
)

const Region = Schema.String.pipe(
  Schema.filter((s) => regionPattern.test(s), {
    ...expecting("an AWS region like eu-west-1"),
    title: "region",
    description: "The region of the rule, when not the default one. Not needed with a rule ARN key.",
    jsonSchema: { pattern: `^${region}$` }
  })
)

const EventBusName = Schema.String.pipe(
  Schema.filter((s) => eventBusNamePattern.test(s), {
    ...expecting(
      "an EventBridge event bus name or ARN (letters, digits, ., -, _, / and :, at most 256 characters)"
    ),
    title: "eventBusName",
    description: "Name or ARN of the event bus the rule is on, when not the default one. Not needed with a " +
      "rule ARN key.",
    jsonSchema: { pattern: `^${eventBusNameChars}$` }
  })
)

const ScheduledTaskOptions = Schema.Struct({
  region: Schema.optionalWith(Region, { exact: true }),
  eventBusName: Schema.optionalWith(EventBusName, { exact: true }),
  containers: Schema.optionalWith(Containers, { exact: true })
}).annotations({
  ...expecting("a map with region, eventBusName and containers")
})

const ScheduledTask = Schema.Union(Schema.Null, ScheduledTaskOptions).annotations({
  ...expecting("nothing (`<rule>:`), `{}` or a map with region, eventBusName and containers"),
  title: "scheduledTask",
  description: "Nothing, `{}`, or where the rule is (region, eventBusName) and which containers get the new tag."
})

/** What the checks against a rule ARN key look at: an entry with only these right is still checked. */
export const ScheduledTaskPlace = Schema.Union(Schema.Null, ScheduledTaskOptions.pick("region", "eventBusName"))

const ScheduledTasks = nullAsEmpty(Schema.Record({ key: RuleKey, value: ScheduledTask }), {}).annotations({
  ...expecting("a map keyed by EventBridge rule name or ARN (`<rule>:`), not a list"),
  title: "scheduledTasks",
  description: "EventBridge rules whose ECS targets get the new task definition, keyed by rule name or rule ARN. " +
    "Nothing under it is the same as `{}`."
})

// ---------------------------------------------------------------------------
// role and settings
// ---------------------------------------------------------------------------

const RoleArn = Schema.String.pipe(
  Schema.filter((s) => roleArnPattern.test(s), {
    ...expecting("an IAM role ARN like arn:aws:iam::<12-digit account>:role/<name>"),
    title: "arn",
    description: "IAM role to assume for all AWS calls.",
    jsonSchema: { pattern: roleArnSource }
  })
)

const Role = Schema.Struct({ arn: RoleArn }).annotations({
  ...expecting("a map with arn"),
  title: "role",
  description: "Assume this IAM role for the AWS calls."
})

// Plain filters rather than Schema.Finite/Int: those add $refs and "positive" titles to the JSON Schema.
const positiveNumber = (key: string, what: string, description: string, def: number) =>
  Schema.Number.pipe(
    Schema.filter((n) => Number.isFinite(n) && n > 0, {
      ...expecting(what),
      title: key,
      description,
      default: def,
      jsonSchema: { exclusiveMinimum: 0 }
    })
  )

const TimeoutMinutes = positiveNumber(
  "timeoutMinutes",
  "a positive number of minutes",
  "How long to wait for a deployment to become healthy and serve the new version, in minutes. Decimals allowed.",
  configDefaults.timeoutMinutes
)

const CheckIntervalSeconds = positiveNumber(
  "checkIntervalSeconds",
  "a positive number of seconds",
  "Seconds between checks while waiting. Decimals allowed.",
  configDefaults.checkIntervalSeconds
)

const Concurrency = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n > 0, {
    ...expecting("a positive whole number"),
    // A "type" here replaces the generated schema, so it carries the docs too.
    jsonSchema: {
      type: "integer",
      minimum: 1,
      title: "concurrency",
      description: "Most services worked on at once.",
      default: configDefaults.concurrency
    }
  })
)

const KeepRevisions = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n > 0, {
    ...expecting("a positive whole number"),
    jsonSchema: {
      type: "integer",
      minimum: 1,
      title: "keepRevisions",
      description:
        "After a confirmed deploy, deregister the revisions gehen registered of the deployed families, except the newest this many releases and those any service or scheduled task of the file uses. Off when absent."
    }
  })
)

const Preflight = Schema.Boolean.annotations({
  ...expecting("true or false"),
  title: "preflight",
  description:
    "Before any change, check that each url and testUrl answers and that every image to deploy exists (default true). false skips it, for urls that only answer after a deploy.",
  default: configDefaults.preflight
})

/** `[lL][aA]…`: JSON Schema has no case-insensitive flag. */
const anyCase = (word: string): string =>
  [...word].map((c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`)).join("")

const updateStrategyDescription = "How services are moved to the new version: current (register a copy of the " +
  "task definition the service runs, with the new image tag), latest (the same, starting from the newest ACTIVE " +
  "revision of its family), redeploy (force a new deployment of the current task definition, no new revision), " +
  "none (change nothing, only check that the services serve the git sha). Case-insensitive."

const UpdateStrategySchema = Schema.transformOrFail(
  Schema.String,
  Schema.Literal(...updateStrategies),
  {
    strict: true,
    // Case-insensitive on input, lower-case from then on.
    decode: (s, _, ast) => {
      const lower = s.toLowerCase()
      return isUpdateStrategy(lower) ? ParseResult.succeed(lower) : ParseResult.fail(new ParseResult.Type(ast, s))
    },
    encode: ParseResult.succeed
  }
).annotations({
  ...expecting(`one of ${updateStrategies.join(", ")}`),
  jsonSchema: {
    title: "updateStrategy",
    description: updateStrategyDescription,
    default: configDefaults.updateStrategy,
    // The enum gives editors completion; the pattern accepts any case like gehen does.
    anyOf: [
      { type: "string", enum: [...updateStrategies] },
      { type: "string", pattern: `^(?:${updateStrategies.map(anyCase).join("|")})$` }
    ]
  }
})

// ---------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------

/** What a file with nothing to deploy lacks. */
export const atLeastOneEntry = "at least one service under services or rule under scheduledTasks"

const isEmpty = (u: unknown): boolean =>
  u === undefined || u === null || (typeof u === "object" && !Array.isArray(u) && Object.keys(u).length === 0)

/**
 * Why a file (decoded, or as written) has nothing to deploy, said at the key left empty; none
 * when it lists something, or when what it lists is not a map (that is another error).
 */
export const nothingToDeploy = (
  file: { readonly services?: unknown; readonly scheduledTasks?: unknown }
): Schema.FilterIssue | string | undefined => {
  if (!isEmpty(file.services) || !isEmpty(file.scheduledTasks)) return undefined
  if ("services" in file) {
    return {
      path: ["services"],
      message: "is empty: list at least one service under it (or a rule under scheduledTasks)"
    }
  }
  if ("scheduledTasks" in file) {
    return {
      path: ["scheduledTasks"],
      message: "is empty: list at least one rule under it (or a service under services)"
    }
  }
  return "no services and no scheduled tasks"
}

/**
 * The gehen.yml document. Decode with `onExcessProperty: "error"` (as decodeConfig does) so that
 * misspelt keys are errors; the encoded side is the YAML shape, which is what the JSON Schema describes.
 */
export const GehenFile = Schema.Struct({
  services: Schema.optionalWith(Services, { exact: true }),
  scheduledTasks: Schema.optionalWith(ScheduledTasks, { exact: true }),
  role: Schema.optionalWith(Role, { exact: true }),
  timeoutMinutes: Schema.optionalWith(TimeoutMinutes, { exact: true, default: () => configDefaults.timeoutMinutes }),
  checkIntervalSeconds: Schema.optionalWith(CheckIntervalSeconds, {
    exact: true,
    default: () => configDefaults.checkIntervalSeconds
  }),
  updateStrategy: Schema.optionalWith(UpdateStrategySchema, {
    exact: true,
    default: () => configDefaults.updateStrategy
  }),
  concurrency: Schema.optionalWith(Concurrency, { exact: true, default: () => configDefaults.concurrency }),
  keepRevisions: Schema.optionalWith(KeepRevisions, { exact: true }),
  preflight: Schema.optionalWith(Preflight, { exact: true })
}).annotations({
  ...expecting("a map of gehen settings (services, scheduledTasks, role, …)"),
  title: "gehen.yml",
  description: "Configuration of gehen, the ECS version-update aid."
}).pipe(
  Schema.filter(nothingToDeploy, {
    ...expecting(atLeastOneEntry)
  })
)

export type GehenFile = typeof GehenFile.Type
