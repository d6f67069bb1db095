import {
  DomainError,
  alreadyExists,
  failedPrecondition,
  invalidArgument,
  notFound,
} from "../errors/domain-error.js";

/**
 * Every caller-visible failure of the Action Service, one factory each, so
 * ids and keys live in one place. Ids named by API.md section 4 (and
 * ZITADEL's command validation) are ZITADEL's; the "ACTION-" ids are ours,
 * for rules ZITADEL enforces before its handlers without an id.
 */
export const actionErrors = {
  /** No verified caller in the context: Unauthenticated. */
  noCaller: () =>
    new DomainError(
      "unauthenticated",
      "ACTION-z5n1dw6qhg",
      "Errors.Token.Invalid",
      "no authenticated caller",
    ),

  // Targets.
  targetNameEmpty: (update: boolean) =>
    invalidArgument(
      update ? "COMMAND-d1wx4lm0zr" : "COMMAND-ddqbm9us5p",
      "Errors.Target.Invalid",
      "target name must not be empty",
    ),
  targetNameTooLong: () =>
    invalidArgument(
      "ACTION-q7c2nxe4lw",
      "Errors.Target.InvalidName",
      "target name must have at most 200 characters",
    ),
  targetIdInvalid: () =>
    invalidArgument(
      "ACTION-2m9vfr6kza",
      "Errors.Target.InvalidID",
      "target_id must have 1 to 200 characters",
    ),
  targetTypeMissing: () =>
    invalidArgument(
      "ACTION-h3u8pd1yte",
      "Errors.Target.NoTargetType",
      "target_type is required",
    ),
  timeoutMissing: (update: boolean) =>
    invalidArgument(
      update ? "COMMAND-08b39vdi57" : "COMMAND-39f35d8uri",
      "Errors.Target.NoTimeout",
      "timeout must be greater than zero",
    ),
  timeoutInvalid: () =>
    invalidArgument(
      "ACTION-f6y3lo9aeh",
      "Errors.Target.InvalidTimeout",
      "timeout is not a valid duration",
    ),
  endpointInvalid: (update: boolean) =>
    invalidArgument(
      update ? "COMMAND-jsbaera7b6" : "COMMAND-1r2k6qo6wg",
      "Errors.Target.InvalidURL",
      "endpoint must be an absolute http or https URI",
    ),
  endpointTooLong: () =>
    invalidArgument(
      "ACTION-w5k0bs7gjn",
      "Errors.Target.InvalidURL",
      "endpoint must have at most 1000 characters",
    ),
  endpointDenied: (reason: string) =>
    invalidArgument(
      "ACTION-c8r1tq4mvx",
      "Errors.Target.EndpointDenied",
      `endpoint is not allowed: ${reason}`,
    ),
  targetNameTaken: () =>
    alreadyExists(
      "V3-DKcYh",
      "Errors.Target.AlreadyExists",
      "Target already exists",
    ),
  targetNotFoundOnUpdate: () => targetNotFound("COMMAND-xj14f2cccn"),
  targetNotFoundOnDelete: () => targetNotFound("COMMAND-k4s7ucu0ax"),
  targetNotFoundOnGet: () => targetNotFound("QUERY-hj5oaniyrz"),

  // Executions.
  conditionInvalid: () =>
    invalidArgument(
      "COMMAND-3tkej630e6",
      "Errors.Execution.Invalid",
      "Execution is invalid",
    ),
  conditionTooLong: () =>
    invalidArgument(
      "ACTION-e0s5mz3kid",
      "Errors.Execution.ConditionInvalid",
      "condition value must have at most 1000 characters",
    ),
  methodNotFound: () =>
    notFound(
      "COMMAND-vysplsevt8",
      "Errors.Execution.ConditionInvalid",
      "Execution condition is invalid",
    ),
  serviceNotFound: () =>
    notFound(
      "COMMAND-qu6dfhiioq",
      "Errors.Execution.ConditionInvalid",
      "Execution condition is invalid",
    ),
  functionNotFound: () =>
    notFound(
      "COMMAND-cdy39t0ksr",
      "Errors.Execution.ConditionInvalid",
      "Execution condition is invalid",
    ),
  noTargets: () =>
    invalidArgument(
      "COMMAND-56bteot2uj",
      "Errors.Execution.NoTargets",
      "Execution has no targets",
    ),
  entryEmpty: (index: number) =>
    invalidArgument(
      "ACTION-p1z7ek2sud",
      "Errors.Execution.InvalidTarget",
      `targets[${index}] needs a target id or an include`,
    ),
  duplicateTarget: (targetId: string) =>
    invalidArgument(
      "ACTION-v9g4hx0rcm",
      "Errors.Execution.DuplicateTarget",
      `target ${targetId} is listed more than once`,
    ),
  duplicateInclude: (executionId: string) =>
    invalidArgument(
      "ACTION-j2n6wa8ubq",
      "Errors.Execution.DuplicateInclude",
      `include ${executionId} is listed more than once`,
    ),
  targetNotFoundInExecution: () => targetNotFound("COMMAND-17e8fq1ggk"),
  includeNotFound: () =>
    notFound(
      "COMMAND-slgj0l4cdz",
      "Errors.Execution.IncludeNotFound",
      "Included execution not found",
    ),
  selfInclude: () =>
    failedPrecondition(
      "COMMAND-mo1cmjp5k7",
      "Errors.Execution.CircularInclude",
      "Execution includes itself",
    ),
  circularInclude: () =>
    failedPrecondition(
      "COMMAND-819opvhgjv",
      "Errors.Execution.CircularInclude",
      "Execution includes lead in a circle",
    ),
  maxLevelsInclude: () =>
    failedPrecondition(
      "COMMAND-gbhd3g57oo",
      "Errors.Execution.MaxLevelsInclude",
      "Execution includes are nested too deep",
    ),
  executionNotFound: () =>
    notFound(
      "COMMAND-suq2upd3rt",
      "Errors.Execution.NotFound",
      "Execution not found",
    ),

  // Lists.
  limitTooHigh: () =>
    invalidArgument(
      "ACTION-u4b8ty1pqo",
      "Errors.Query.LimitExceeded",
      "query.limit must not exceed 1000",
    ),
  searchQueryEmpty: (index: number) =>
    invalidArgument(
      "ACTION-k7d3ri5nwe",
      "Errors.Query.Invalid",
      `queries[${index}] names no query`,
    ),
  sortingColumnInvalid: () =>
    invalidArgument(
      "ACTION-x1o9cg6hfz",
      "Errors.Query.InvalidSortingColumn",
      "sorting_column is not a known field",
    ),
  textMethodInvalid: () =>
    invalidArgument(
      "ACTION-g9l4xm7oev",
      "Errors.Query.InvalidTextMethod",
      "target_name_query.method is not a known method",
    ),
  targetNameQueryTooLong: () =>
    invalidArgument(
      "ACTION-t0h5us2cjy",
      "Errors.Query.InvalidTargetName",
      "target_name_query.target_name must have at most 200 characters",
    ),
  conditionsQueryEmpty: () =>
    invalidArgument(
      "ACTION-m8a2vj4lst",
      "Errors.Query.NoConditions",
      "in_conditions_query.conditions must not be empty",
    ),
  targetQueryEmpty: () =>
    invalidArgument(
      "ACTION-r3e7yn0dkb",
      "Errors.Query.NoTargetID",
      "target_query.target_id must not be empty",
    ),
  includeQueryEmpty: () =>
    invalidArgument(
      "ACTION-b6w1qf9tzu",
      "Errors.Query.NoInclude",
      "include_query.include is required",
    ),
  executionTypeInvalid: () =>
    invalidArgument(
      "ACTION-y2p8kc3brw",
      "Errors.Query.InvalidExecutionType",
      "execution_type_query.execution_type is not a known type",
    ),
  /** The database stayed locked by another process (the CLI). */
  storeBusy: () =>
    new DomainError(
      "unavailable",
      "ACTION-s9d2kb7wqe",
      "Errors.Internal",
      "storage is busy, try again",
    ),
} as const;

function targetNotFound(id: string) {
  return notFound(id, "Errors.Target.NotFound", "Target not found");
}
