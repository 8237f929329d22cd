/** The EventBridge operations gehen uses (rules and their targets), as AWS answers them. */
import type {
  DescribeRuleRequest,
  DescribeRuleResponse,
  ListRulesRequest,
  ListRulesResponse,
  ListTargetsByRuleRequest,
  ListTargetsByRuleResponse,
  PutTargetsRequest,
  PutTargetsResponse,
  PutTargetsResultEntry,
  Target
} from "@aws-sdk/client-eventbridge"
import { awsError, type PendingFailure } from "./Faults.js"
import { page } from "./Paging.js"
import { clone, isRecord } from "./Records.js"
import { toRule } from "./Shapes.js"
import type { SimStore } from "./Store.js"

export interface AddRuleSpec {
  readonly name: string
  readonly region?: string | undefined
  /** The rule's event bus; default `default`. Calls must name another bus (EventBusName or a rule ARN) to find the rule. */
  readonly eventBusName?: string | undefined
  readonly target?: Target | undefined
  readonly targets?: ReadonlyArray<Target> | undefined
  /** Default `rate(1 day)`. */
  readonly scheduleExpression?: string | undefined
  readonly state?: "ENABLED" | "DISABLED" | undefined
}

export class SimEventsOps {
  constructor(
    private readonly store: SimStore,
    /** Takes an injected PutTargets entry failure matching the call, if any. */
    private readonly takeEntryFailure: (
      region: string,
      params: Readonly<Record<string, unknown>>
    ) => PendingFailure | undefined
  ) {}

  /** Seeding: a rule with its targets (replacing one of the same name). */
  addRule(spec: AddRuleSpec): string {
    const region = spec.region ?? this.store.defaultRegion
    const bus = spec.eventBusName ?? "default"
    const arn = `arn:aws:events:${region}:${this.store.accountId}:rule/${
      bus === "default" ? "" : `${bus}/`
    }${spec.name}`
    const targets = [...(spec.targets ?? []), ...(spec.target === undefined ? [] : [spec.target])].map(clone)
    this.store.rules.set(this.store.ruleKey(region, bus, spec.name), {
      name: spec.name,
      region,
      eventBusName: bus,
      arn,
      scheduleExpression: spec.scheduleExpression ?? "rate(1 day)",
      state: spec.state ?? "ENABLED",
      targets
    })
    return arn
  }

  listTargetsByRule(region: string, input: ListTargetsByRuleRequest): ListTargetsByRuleResponse {
    const rule = this.store.requireRule(region, input.Rule, input.EventBusName)
    const p = page(rule.targets, input.NextToken, input.Limit, 100, 100, "ValidationException", this.store.latitude)
    const out: ListTargetsByRuleResponse = { Targets: clone(p.items) }
    if (p.next !== undefined) out.NextToken = p.next
    return out
  }

  putTargets(region: string, input: PutTargetsRequest): PutTargetsResponse {
    const rule = this.store.requireRule(region, input.Rule, input.EventBusName)
    const targets: unknown = input.Targets
    if (!Array.isArray(targets) || targets.length === 0 || targets.length > 10) {
      throw awsError("ValidationException", "Targets must contain between 1 and 10 items.")
    }
    const injected = this.takeEntryFailure(region, { ...input })
    const failed: Array<PutTargetsResultEntry> = []
    for (const given of input.Targets ?? []) {
      // Over HTTP the body is unchecked JSON: check what the SDK model requires.
      if (!isRecord(given) || typeof given.Id !== "string" || typeof given.Arn !== "string") {
        throw awsError("ValidationException", "Each target needs an Id and an Arn.")
      }
      const target = clone(given)
      if (injected !== undefined) {
        failed.push({
          TargetId: target.Id,
          ErrorCode: injected.spec.code ?? "ConcurrentModificationException",
          ErrorMessage: injected.spec.message ?? "Injected entry failure."
        })
        continue
      }
      const i = rule.targets.findIndex((x) => x.Id === target.Id)
      if (i >= 0) rule.targets[i] = target
      else rule.targets.push(target)
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed }
  }

  describeRule(region: string, input: DescribeRuleRequest): DescribeRuleResponse {
    const r = this.store.requireRule(region, input.Name, input.EventBusName)
    return { ...toRule(r), CreatedBy: this.store.accountId }
  }

  listRules(region: string, input: ListRulesRequest): ListRulesResponse {
    const prefix = input.NamePrefix ?? ""
    const bus = this.store.eventBusOf(input.EventBusName)
    const rules = [...this.store.rules.values()]
      .filter((r) => r.region === region && r.eventBusName === bus && r.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(toRule)
    const p = page(rules, input.NextToken, input.Limit, 100, 100, "ValidationException", this.store.latitude)
    const out: ListRulesResponse = { Rules: p.items }
    if (p.next !== undefined) out.NextToken = p.next
    return out
  }
}
