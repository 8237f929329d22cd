import {
  type ContainerDefinition,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition
} from "@aws-sdk/client-ecs"
import { Either, Option } from "effect"
import fc from "fast-check"
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { retag, toRegisterInput } from "../../src/domain/TaskDefinitionCopy.js"
import type { DescribedTaskDefinition } from "../../src/ports/Ecs.js"

const SHA = "abc1234def"
const D64 = "sha256:" + "0123456789abcdef".repeat(4)

// Written out here rather than imported, so a change to the source's list shows up as a failure.
const READ_ONLY = [
  "taskDefinitionArn",
  "revision",
  "status",
  "requiresAttributes",
  "compatibilities",
  "registeredAt",
  "registeredBy",
  "deregisteredAt",
  "deleteRequestedAt"
]

type Json = Record<string, unknown>

/** A value the SDK types do not model (JSON nulls, fields newer than this SDK), typed as what it stands for. */
const loose = <T>(value: unknown): T => value as T

/** Freezes a value and everything in it, so any mutation throws (ES modules are strict). */
const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

const withoutTopLevelNulls = (record: Json): Json =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined))

/** What ECS answers to DescribeTaskDefinition (include TAGS) for a revision registered from `input`. */
const describedFrom = (input: Json): DescribedTaskDefinition => {
  const { tags, ...fields } = input
  const family = String(fields["family"])
  // The corpus is JSON with nulls, which TaskDefinition does not type.
  const taskDefinition = loose<TaskDefinition>({
    ...fields,
    taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:7`,
    revision: 7,
    status: "ACTIVE",
    requiresAttributes: [{ name: "com.amazonaws.ecs.capability.docker-remote-api.1.18" }],
    compatibilities: ["EC2", "FARGATE"],
    registeredAt: new Date("2024-05-01T12:00:00.000Z"),
    registeredBy: "arn:aws:iam::123456789012:role/deployer"
  })
  return deepFreeze({ taskDefinition, tags: loose<Array<Tag>>(tags ?? []) })
}

const retagged = (input: RegisterTaskDefinitionCommandInput, tag: string, containers?: ReadonlyArray<string>) =>
  Either.getOrThrowWith(retag(input, tag, containers), (e) => e)

/** RegisterTaskDefinition's JSON body as the SDK would send it (captured before signing, nothing is sent). */
const wireBody = async (input: RegisterTaskDefinitionCommandInput): Promise<unknown> => {
  const client = new ECSClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example" }
  })
  class Captured {
    constructor(readonly body: unknown) {}
  }
  client.middlewareStack.add(
    () => async (args) => {
      throw new Captured((args.request as { readonly body?: unknown }).body)
    },
    { step: "build", name: "captureBody" }
  )
  const caught: unknown = await client.send(new RegisterTaskDefinitionCommand(input)).catch((e: unknown) => e)
  if (!(caught instanceof Captured)) throw caught
  const { body } = caught
  if (typeof body === "string") return JSON.parse(body)
  if (body instanceof Uint8Array) return JSON.parse(new TextDecoder().decode(body))
  throw new Error(`unexpected request body ${String(body)}`)
}

describe("the real-world corpus", () => {
  const dir = new URL("../fixtures/task-definitions/", import.meta.url)
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort()
  const load = (file: string): Json => JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Json

  it("is all there", () => {
    expect(files).toHaveLength(12)
  })

  // A corpus `null` (e.g. `"pidMode": null`) means "absent" on the wire, so the expected input is the
  // file without it; every other value, empty lists included, must survive as authored.
  describe.each(files)("%s", (file) => {
    const original = load(file)
    const containers = loose<ReadonlyArray<Json>>(original["containerDefinitions"])
    // Independent oracle: every corpus image has a tag and no digest, so replace what follows the last ":".
    const retaggedImage = (c: Json) => String(c["image"]).replace(/:[^:/]+$/, `:${SHA}`)
    const expected = (): Json => ({
      ...withoutTopLevelNulls(original),
      containerDefinitions: containers.map((c) => ({ ...c, image: retaggedImage(c) }))
    })

    it("registers the same definition with only the image tags changed", () => {
      const described = describedFrom(original)
      const { input, changes } = retagged(toRegisterInput(described), SHA)
      expect(input).toStrictEqual(expected())
      expect(changes).toStrictEqual(
        containers.map((c) => ({
          container: c["name"],
          from: c["image"],
          to: retaggedImage(c),
          previousTag: Option.some(String(c["image"]).split(":").at(-1))
        }))
      )
    })

    it("reaches the wire intact through the SDK serializer", async () => {
      const { input } = retagged(toRegisterInput(describedFrom(original)), SHA)
      expect(await wireBody(input)).toStrictEqual(expected())
    })
  })
})

describe("toRegisterInput", () => {
  const described = deepFreeze({
    taskDefinition: {
      taskDefinitionArn: "arn:aws:ecs:eu-central-1:123456789012:task-definition/web:3",
      family: "web",
      revision: 3,
      status: "ACTIVE",
      networkMode: "awsvpc",
      requiresAttributes: [{ name: "ecs.capability.execution-role-awslogs" }],
      compatibilities: ["EC2", "FARGATE"],
      requiresCompatibilities: [],
      placementConstraints: [],
      volumes: [],
      pidMode: undefined,
      registeredAt: new Date(0),
      registeredBy: "someone",
      deregisteredAt: new Date(1),
      deleteRequestedAt: new Date(2),
      enableFaultInjection: true,
      ephemeralStorage: { sizeInGiB: 30 },
      runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
      containerDefinitions: [
        {
          name: "app",
          image: "ghcr.io/org/app:v1",
          portMappings: [
            { name: "http", containerPort: 8080, protocol: "tcp", appProtocol: "http2" },
            { containerPortRange: "9000-9099", protocol: "udp" }
          ],
          restartPolicy: { enabled: true, ignoredExitCodes: [0, 137], restartAttemptPeriod: 60 },
          credentialSpecs: ["credentialspecdomainless:arn:aws:s3:::bucket/spec.json"],
          versionConsistency: "disabled"
        },
        {
          name: "sidecar",
          image: `public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0@${D64}`,
          versionConsistency: "enabled"
        },
        { name: "pinned", image: `app@${D64}` }
      ]
    } satisfies TaskDefinition,
    tags: []
  })

  it("drops the read-only fields and undefined, keeps empty lists and everything else, sends no empty tags", () => {
    const {
      taskDefinitionArn,
      revision,
      status,
      requiresAttributes,
      compatibilities,
      registeredAt,
      registeredBy,
      deregisteredAt,
      deleteRequestedAt,
      pidMode,
      ...rest
    } = described.taskDefinition
    const input = toRegisterInput(described)
    expect(input).toStrictEqual(rest)
    expect("tags" in input).toBe(false)
    expect(input.containerDefinitions).not.toBe(described.taskDefinition.containerDefinitions)
  })

  it("carries fields it does not know, at the top level and inside containers", () => {
    const future = {
      taskDefinition: loose<TaskDefinition>({
        family: "f",
        someFutureField: { nested: [1, null, { deep: true }] },
        containerDefinitions: [{ name: "c", image: "nginx", someFutureContainerField: ["x", null], hostPort: null }]
      }),
      tags: [{ key: "team", value: "platform" }]
    }
    expect(toRegisterInput(future)).toStrictEqual({ ...future.taskDefinition, tags: future.tags })
  })

  it("retags digests and ghcr.io references and leaves every other container field alone", () => {
    const { input, changes } = retagged(toRegisterInput(described), SHA)
    const [app, sidecar, pinned] = described.taskDefinition.containerDefinitions
    expect(input.containerDefinitions).toStrictEqual([
      { ...app, image: `ghcr.io/org/app:${SHA}` },
      { ...sidecar, image: `public.ecr.aws/aws-observability/aws-otel-collector:${SHA}` },
      { ...pinned, image: `app:${SHA}` }
    ])
    expect(changes).toStrictEqual([
      { container: "app", from: "ghcr.io/org/app:v1", to: `ghcr.io/org/app:${SHA}`, previousTag: Option.some("v1") },
      {
        container: "sidecar",
        from: sidecar?.image,
        to: `public.ecr.aws/aws-observability/aws-otel-collector:${SHA}`,
        previousTag: Option.some("v0.40.0")
      },
      { container: "pinned", from: `app@${D64}`, to: `app:${SHA}`, previousTag: Option.none() }
    ])
  })
})

describe("retag", () => {
  const input = deepFreeze<RegisterTaskDefinitionCommandInput>({
    family: "jobs",
    containerDefinitions: [
      { name: "worker", image: "registry:5000/team/worker:old" },
      { name: "cron", image: "registry:5000/team/cron:abc1234def" },
      { name: "broken", image: "Not A Valid Image" }
    ]
  })

  it("changes only the named containers and lists only images that changed", () => {
    const { input: out, changes } = retagged(input, SHA, ["worker", "cron"])
    expect(out.containerDefinitions).toStrictEqual([
      { name: "worker", image: `registry:5000/team/worker:${SHA}` },
      { name: "cron", image: "registry:5000/team/cron:abc1234def" },
      { name: "broken", image: "Not A Valid Image" }
    ])
    expect(changes).toStrictEqual([
      {
        container: "worker",
        from: "registry:5000/team/worker:old",
        to: `registry:5000/team/worker:${SHA}`,
        previousTag: Option.some("old")
      }
    ])
  })

  it("with an empty list targets no container", () => {
    const { input: out, changes } = retagged(input, SHA, [])
    expect(out).toStrictEqual(input)
    expect(changes).toStrictEqual([])
  })

  it("names unmatched containers, the available ones and the family", () => {
    const result = retag(input, SHA, ["worker", "web", "api", "web"])
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left).toMatchObject({
        _tag: "RetagError",
        family: "jobs",
        unmatched: ["web", "api"],
        available: ["worker", "cron", "broken"],
        invalid: []
      })
      expect(result.left.message).toBe(
        "cannot retag task definition jobs: no container named web, api (containers: worker, cron, broken)"
      )
    }
  })

  it("fails on a targeted unparsable or missing image, or an invalid tag", () => {
    const all = retag(input, SHA)
    expect(Either.isLeft(all) && all.left.invalid.map((i) => i.container)).toStrictEqual(["broken"])
    expect(Either.isLeft(all) && all.left.message).toContain("container broken: invalid image reference")

    const noImage = retag({ family: "f", containerDefinitions: [{ name: "c" }] }, SHA)
    expect(Either.isLeft(noImage) && noImage.left.invalid.map((i) => i.error.image)).toStrictEqual([""])

    const badTag = retag(input, "-bad", ["worker"])
    expect(Either.isLeft(badTag) && badTag.left.message).toContain("tag \"-bad\"")
  })
})

// ---- property-based tests over generated task definitions ----

const alnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789")
const lower = fc.string({ unit: alnum, minLength: 1, maxLength: 5 })
const pathComponent = fc
  .tuple(lower, fc.option(fc.tuple(fc.constantFrom(".", "_", "__", "-"), lower), { nil: undefined }))
  .map(([head, rest]) => (rest === undefined ? head : head + rest[0] + rest[1]))
const registry = fc.constantFrom(
  "registry:5000",
  "localhost:5000",
  "127.0.0.1:51670",
  "public.ecr.aws",
  "123456789012.dkr.ecr.us-east-1.amazonaws.com",
  "ghcr.io",
  "mcr.microsoft.com",
  "Registry.Example.COM"
)
const tagArb = fc.oneof(fc.stringMatching(/^\w[\w.-]{0,20}$/), fc.constant("latest"))
const imageArb = fc
  .record({
    registry: fc.option(registry, { nil: undefined }),
    path: fc.array(pathComponent, { minLength: 1, maxLength: 3 }),
    tag: fc.option(tagArb, { nil: undefined }),
    digest: fc.option(fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }), {
      nil: undefined
    })
  })
  .map(({ registry, path, tag, digest }) => {
    const name = [...(registry === undefined ? [] : [registry]), ...path].join("/")
    return name + (tag === undefined ? "" : `:${tag}`) + (digest === undefined ? "" : `@sha256:${digest}`)
  })
/** The name part of a generated image: it never has "@", and a tag ":" is the last one after the last "/". */
const nameOf = (image: string) => image.split("@")[0]!.replace(/:[^:/]*$/, "")

// Real definitions (JSON.parse, the SDK) never have null-prototype objects; fast-check makes some by default.
const plain = { noNullPrototype: true } as const
const json = fc.jsonValue({ maxDepth: 2 })
const extraFields = (reserved: ReadonlyArray<string>) =>
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !reserved.includes(k)),
    json,
    { maxKeys: 3, noNullPrototype: true }
  )

const CONTAINER_KEYS = ["name", "image", "cpu", "essential", "portMappings", "restartPolicy", "versionConsistency"]
const containerBody = fc.record(
  {
    cpu: fc.nat(4096),
    essential: fc.boolean(),
    portMappings: fc.array(
      fc.record(
        {
          name: lower,
          containerPort: fc.integer({ min: 1, max: 65535 }),
          containerPortRange: fc.constant("9000-9100"),
          appProtocol: fc.constantFrom("http", "http2", "grpc"),
          hostPort: fc.constantFrom(0, 8080, null)
        },
        { requiredKeys: [], noNullPrototype: true }
      ),
      { maxLength: 2 }
    ),
    restartPolicy: fc.record(
      { enabled: fc.boolean(), ignoredExitCodes: fc.array(fc.nat(255), { maxLength: 2 }) },
      plain
    ),
    versionConsistency: fc.constantFrom("enabled", "disabled")
  },
  { requiredKeys: [], noNullPrototype: true }
)
const containersArb = fc
  .uniqueArray(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), { minLength: 1, maxLength: 5 })
  .chain((names) =>
    fc.tuple(
      ...names.map((name) =>
        fc
          .tuple(imageArb, containerBody, extraFields(CONTAINER_KEYS))
          // hostPort may be null: nested nulls must pass through as they are.
          .map(([image, body, extra]) => loose<ContainerDefinition>({ ...extra, ...body, name, image }))
      )
    )
  )

const TOP_KEYS = [
  ...READ_ONLY,
  "family",
  "containerDefinitions",
  "networkMode",
  "cpu",
  "memory",
  "pidMode",
  "volumes",
  "placementConstraints",
  "requiresCompatibilities",
  "ephemeralStorage",
  "tags"
]
const describedArb: fc.Arbitrary<DescribedTaskDefinition> = fc
  .record({
    known: fc.record(
      {
        family: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
        networkMode: fc.constantFrom("awsvpc", "bridge", "host", null),
        cpu: fc.constantFrom("256", "1024", undefined),
        memory: fc.constantFrom("512", "2048"),
        pidMode: fc.constantFrom("host", "task", null, undefined),
        volumes: fc.array(
          fc.record({ name: lower, host: fc.record({ sourcePath: fc.constant("/var/log") }, plain) }, plain),
          { maxLength: 2 }
        ),
        placementConstraints: fc.constant([]),
        requiresCompatibilities: fc.subarray(["EC2", "FARGATE"]),
        ephemeralStorage: fc.record({ sizeInGiB: fc.integer({ min: 21, max: 200 }) }, plain)
      },
      { requiredKeys: ["family"], noNullPrototype: true }
    ),
    readOnly: fc.record(
      {
        taskDefinitionArn: fc.constant("arn:aws:ecs:us-east-1:123456789012:task-definition/x:1"),
        revision: fc.nat(),
        status: fc.constantFrom("ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"),
        requiresAttributes: fc.array(fc.record({ name: lower }, plain), { maxLength: 2 }),
        compatibilities: fc.subarray(["EC2", "FARGATE", "EXTERNAL"]),
        registeredAt: fc.date({ noInvalidDate: true }),
        registeredBy: fc.constant("arn:aws:iam::123456789012:root"),
        deregisteredAt: fc.date({ noInvalidDate: true }),
        deleteRequestedAt: fc.date({ noInvalidDate: true })
      },
      { requiredKeys: [], noNullPrototype: true }
    ),
    extra: extraFields(TOP_KEYS),
    containerDefinitions: containersArb,
    tags: fc.array(fc.record({ key: lower, value: fc.string() }, plain), { maxLength: 3 })
  })
  .map(({ known, readOnly, extra, containerDefinitions, tags }) =>
    deepFreeze({
      // Generated nulls stand for what a hand-built or JSON-loaded definition may carry.
      taskDefinition: loose<TaskDefinition>({ ...extra, ...known, ...readOnly, containerDefinitions }),
      tags
    })
  )

/** The spec: the described definition minus read-only fields and null/undefined values, plus non-empty tags. */
const specInput = (described: DescribedTaskDefinition): Json => ({
  ...Object.fromEntries(
    Object.entries(described.taskDefinition).filter(([k, v]) => !READ_ONLY.includes(k) && v !== null && v !== undefined)
  ),
  ...(described.tags.length > 0 ? { tags: described.tags } : {})
})

describe("copy and retag, property-based", () => {
  const scenario = describedArb.chain((described) => {
    const names = (described.taskDefinition.containerDefinitions ?? []).map((c) => c.name ?? "")
    return fc.record({
      described: fc.constant(described),
      tag: fc.oneof(tagArb, fc.constant("latest")),
      targets: fc.option(fc.subarray(names), { nil: undefined })
    })
  })

  it("registers the described definition except the targeted images; the rest is untouched", () => {
    fc.assert(
      fc.property(scenario, ({ described, tag, targets }) => {
        const snapshot = structuredClone(described)
        const { input, changes } = retagged(toRegisterInput(described), tag, targets)
        const spec = specInput(described)
        const before = described.taskDefinition.containerDefinitions ?? []
        const isTarget = (c: ContainerDefinition) => targets === undefined || targets.includes(c.name ?? "")

        const { containerDefinitions: _, ...rest } = input
        expect({ ...rest, containerDefinitions: before }).toStrictEqual({ ...spec, containerDefinitions: before })
        expect(input.containerDefinitions).toHaveLength(before.length)
        before.forEach((c, i) => {
          const after = input.containerDefinitions?.[i]
          if (isTarget(c)) {
            expect(after).toStrictEqual({ ...c, image: `${nameOf(c.image ?? "")}:${tag}` })
          } else {
            expect(after).toStrictEqual(c)
            expect(JSON.stringify(after)).toBe(JSON.stringify(c))
          }
        })
        expect(changes.map((ch) => ch.container)).toStrictEqual(
          before.filter((c) => isTarget(c) && c.image !== `${nameOf(c.image ?? "")}:${tag}`).map((c) => c.name)
        )
        for (const ch of changes) expect(ch.to).toBe(`${nameOf(ch.from)}:${tag}`)
        expect(described).toStrictEqual(snapshot)
      }),
      { numRuns: 200 }
    )
  })

  it("rejects names that match no container, naming them", () => {
    // "." is not allowed in container names, so these never match.
    const missingNames = fc.uniqueArray(lower.map((s) => `missing.${s}`), { minLength: 1, maxLength: 3 })
    fc.assert(
      fc.property(describedArb, missingNames, (d, missing) => {
        const names = (d.taskDefinition.containerDefinitions ?? []).map((c) => c.name)
        const result = retag(toRegisterInput(d), SHA, [...names.slice(0, 1).flatMap((n) => n ?? []), ...missing])
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result)) {
          expect(result.left.unmatched).toStrictEqual(missing)
          expect(result.left.available).toStrictEqual(names)
          expect(result.left.family).toBe(d.taskDefinition.family)
        }
      }),
      { numRuns: 100 }
    )
  })
})
