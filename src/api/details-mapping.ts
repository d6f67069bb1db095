import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  DetailsSchema,
  ListDetailsSchema,
  type Details,
  type ListDetails,
} from "../../gen/zitadel/object/v2/object_pb.js";
import type { ChangeDetails } from "../domain/target.js";
import type { LogPosition } from "../store/event-log.js";

/**
 * Builds `Details`: the event's sequence within its aggregate, its time,
 * and the instance as resource owner.
 */
export function detailsToMessage(
  details: ChangeDetails,
  instanceId: string,
): Details {
  return create(DetailsSchema, {
    sequence: BigInt(details.sequence),
    changeDate: timestampFromMs(details.changedAt),
    resourceOwner: instanceId,
  });
}

/**
 * Builds `ListDetails`: the count before paging and the newest event of the
 * instance the answer reflects (left unset before the first event).
 */
export function listDetailsToMessage(
  total: number,
  latest: LogPosition | undefined,
): ListDetails {
  return create(ListDetailsSchema, {
    totalResult: BigInt(total),
    processedSequence: BigInt(latest?.position ?? 0),
    timestamp:
      latest === undefined ? undefined : timestampFromMs(latest.createdAt),
  });
}
