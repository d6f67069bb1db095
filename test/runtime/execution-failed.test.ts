import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { describe, it } from "node:test";
import { ErrorDetailSchema } from "../../gen/zitadel/v1/error_detail_pb.js";
import {
  codeForTargetError,
  executionFailed,
} from "../../src/runtime/execution-failed.js";
import { TargetCallError } from "../../src/runtime/target-call-error.js";

describe("codeForTargetError()", () => {
  const table: Array<[number, Code]> = [
    [400, Code.InvalidArgument],
    [401, Code.Unauthenticated],
    [403, Code.PermissionDenied],
    [404, Code.NotFound],
    [409, Code.AlreadyExists],
    [429, Code.ResourceExhausted],
    [500, Code.Internal],
    [501, Code.Unimplemented],
    [503, Code.Unavailable],
    [504, Code.DeadlineExceeded],
    [302, Code.Unknown],
    [418, Code.Unknown],
    [502, Code.Unknown],
  ];
  for (const [status, code] of table) {
    it(`maps status ${status} to ${Code[code]}`, () => {
      const error = new TargetCallError("status", "t", "x", status);
      assert.equal(codeForTargetError(error), code);
    });
  }

  for (const [kind, code] of [
    ["timeout", Code.DeadlineExceeded],
    ["transport", Code.Unknown],
    ["denied", Code.Unknown],
    ["tooLarge", Code.Unknown],
    ["invalidBody", Code.Unknown],
  ] as const) {
    it(`maps a ${kind} error to ${Code[code]}`, () => {
      assert.equal(codeForTargetError(new TargetCallError(kind, "t", "x")), code);
    });
  }
});

describe("executionFailed()", () => {
  it("carries the id EXEC-dra6yamk98 as an ErrorDetail", () => {
    const error = executionFailed(new TargetCallError("status", "t", "x", 404));
    assert.equal(error.code, Code.NotFound);
    assert.equal(error.rawMessage, "Execution failed (EXEC-dra6yamk98)");
    const [detail] = error.findDetails(ErrorDetailSchema);
    assert.equal(detail?.id, "EXEC-dra6yamk98");
    assert.equal(detail?.message, "Errors.Execution.Failed");
  });
});
