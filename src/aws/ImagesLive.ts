import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type EcrImage, ecrImageOf } from "../domain/ImageRef.js"
import { type ImageCheck, Images } from "../ports/Images.js"
import { AwsClients } from "./AwsClients.js"
import { awsCall } from "./call.js"

// BatchGetImage takes at most 100 image ids.
const BATCH_GET_IMAGE_MAX = 100

const idKey = (id: EcrImage["imageId"]) => ("imageTag" in id ? `tag:${id.imageTag}` : `digest:${id.imageDigest}`)

/** The key of an image id in an answer: its tag when it names one, else its digest. */
const idOf = (id: { readonly imageTag?: string | undefined; readonly imageDigest?: string | undefined } | undefined) =>
  id?.imageTag !== undefined ? `tag:${id.imageTag}` : `digest:${id?.imageDigest ?? ""}`

/**
 * The live `Images`: ECR's BatchGetImage, one call per repository and 100 images, each
 * image found or listed in `failures`. A missing repository is a missing image; a
 * refused question (no permission, another account's registry) or an error is "not
 * checked"; an image of another registry is not asked about.
 */
export const ImagesLive: Layer.Layer<Images, never, AwsClients> = Layer.effect(
  Images,
  Effect.gen(function*() {
    const clients = yield* AwsClients
    const { BatchGetImageCommand } = yield* Effect.promise(() => import("@aws-sdk/client-ecr"))
    const check = (images: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const out = new Map<string, ImageCheck>()
        const ecr: Array<{ readonly image: string; readonly at: EcrImage }> = []
        for (const image of new Set(images)) {
          const at = ecrImageOf(image)
          if (Option.isSome(at)) ecr.push({ image, at: at.value })
          else out.set(image, { _tag: "NotChecked", reason: "not in a private ECR repository" })
        }
        const byRepository = Object.values(
          Arr.groupBy(ecr, (e) => `${e.at.registryId}|${e.at.region}|${e.at.repository}`)
        )
        yield* Effect.forEach(byRepository.flatMap((group) => Arr.chunksOf(group, BATCH_GET_IMAGE_MAX)), (chunk) =>
          Effect.gen(function*() {
            const { region, registryId, repository } = chunk[0]!.at
            const client = yield* clients.ecr(region)
            const answer = yield* Effect.either(awsCall("BatchGetImage", region, (abortSignal) =>
              client.send(
                new BatchGetImageCommand({
                  registryId,
                  repositoryName: repository,
                  imageIds: chunk.map((e) => ({ ...e.at.imageId }))
                }),
                { abortSignal }
              )))
            for (const { at, image } of chunk) {
              if (answer._tag === "Left") {
                const e = answer.left
                out.set(
                  image,
                  // BatchGetImage's one documented error for a repository that is not there.
                  e.code === "RepositoryNotFoundException"
                    ? { _tag: "Missing", reason: `repository ${repository} not found in ${registryId} (${region})` }
                    : { _tag: "NotChecked", reason: `ECR would not say (${e.code}: ${e.detail})` }
                )
                continue
              }
              const failure = (answer.right.failures ?? []).find((f) =>
                idOf(f.imageId) === idKey(at.imageId)
              )
              out.set(
                image,
                failure === undefined
                  ? { _tag: "Found" }
                  : failure.failureCode === "ImageNotFound"
                  ? {
                    _tag: "Missing",
                    reason: `not in ${repository} (${failure.failureCode}: ${failure.failureReason ?? ""})`
                  }
                  : {
                    _tag: "NotChecked",
                    reason: `ECR would not say (${failure.failureCode ?? "?"}: ${failure.failureReason ?? ""})`
                  }
              )
            }
          }), { concurrency: 10, discard: true })
        return out
      })
    return { check }
  })
)
