/** STS AssumeRole: hands out recognisable temporary credentials and remembers whom for. */
import type { AssumeRoleRequest, AssumeRoleResponse } from "@aws-sdk/client-sts"
import { awsError } from "./Faults.js"
import type { SimStore } from "./Store.js"

export interface IssuedCredentials {
  readonly accessKeyId: string
  readonly roleArn: string
  readonly sessionName: string
}

export class SimSts {
  private readonly issued = new Map<string, IssuedCredentials>()

  constructor(private readonly store: SimStore) {}

  issuedCredentials(): ReadonlyArray<IssuedCredentials> {
    return [...this.issued.values()]
  }

  /**
   * GetCallerIdentity: the assumed-role session the key was issued for, or else a user of
   * the simulated account (any other key is taken as that user's).
   */
  callerIdentity(
    accessKeyId: string | undefined
  ): { readonly Account: string; readonly Arn: string; readonly UserId: string } {
    const issued = accessKeyId === undefined ? undefined : this.issued.get(accessKeyId)
    if (issued !== undefined) {
      const m = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(issued.roleArn)
      return {
        Account: m?.[2] ?? this.store.accountId,
        Arn: `arn:${m?.[1] ?? "aws"}:sts::${m?.[2] ?? this.store.accountId}:assumed-role/${
          m?.[3] ?? "role"
        }/${issued.sessionName}`,
        UserId: `AROASIMU:${issued.sessionName}`
      }
    }
    return {
      Account: this.store.accountId,
      Arn: `arn:aws:iam::${this.store.accountId}:user/deployer`,
      UserId: "AIDASIMULATOR"
    }
  }

  /** `wallNow` dates the credentials' Expiration: SDK credential caches compare it with real time. */
  assumeRole(input: AssumeRoleRequest, wallNow: number): AssumeRoleResponse {
    const roleArn = input.RoleArn ?? ""
    const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn)
    if (m === null) throw awsError("ValidationError", `${roleArn} is not a valid role ARN.`)
    const session = input.RoleSessionName ?? ""
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) throw awsError("ValidationError", "Invalid RoleSessionName.")
    const n = this.store.next()
    const accessKeyId = `ASIASIMU${n.toString().padStart(12, "0")}`
    this.issued.set(accessKeyId, { accessKeyId, roleArn, sessionName: session })
    const duration = input.DurationSeconds ?? 3600
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: `simsecret${n}`,
        SessionToken: `simsession${n}`,
        Expiration: new Date(wallNow + duration * 1000)
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROASIMU${n.toString().padStart(12, "0")}:${session}`,
        Arn: `arn:aws:sts::${m[1] ?? this.store.accountId}:assumed-role/${m[2] ?? "role"}/${session}`
      }
    }
  }
}
