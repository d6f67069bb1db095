import { TextQueryMethod } from "../../gen/zitadel/object/v2/object_pb.js";
import type { ListQuery } from "../../gen/zitadel/object/v2/object_pb.js";
import {
  ExecutionType,
  TargetFieldName,
  type SearchQuery,
  type TargetSearchQuery,
} from "../../gen/zitadel/action/v3alpha/query_pb.js";
import { actionErrors } from "../domain/action-errors.js";
import { executionIdOf, type ConditionType } from "../domain/condition.js";
import {
  validatePage,
  type ExecutionFilter,
  type ListPage,
  type TargetFilter,
  type TargetSortField,
  type TextMethod,
} from "../domain/list-query.js";
import { exceeds } from "../domain/target-rules.js";
import { conditionFromMessage } from "./condition-mapping.js";

const textMethods: ReadonlyMap<number, TextMethod> = new Map([
  [TextQueryMethod.EQUALS, "equals"],
  [TextQueryMethod.EQUALS_IGNORE_CASE, "equalsIgnoreCase"],
  [TextQueryMethod.STARTS_WITH, "startsWith"],
  [TextQueryMethod.STARTS_WITH_IGNORE_CASE, "startsWithIgnoreCase"],
  [TextQueryMethod.CONTAINS, "contains"],
  [TextQueryMethod.CONTAINS_IGNORE_CASE, "containsIgnoreCase"],
  [TextQueryMethod.ENDS_WITH, "endsWith"],
  [TextQueryMethod.ENDS_WITH_IGNORE_CASE, "endsWithIgnoreCase"],
]);

// UNSPECIFIED and ASYNC sort by id, as ZITADEL does.
const sortFields: ReadonlyMap<number, TargetSortField> = new Map([
  [TargetFieldName.FIELD_NAME_UNSPECIFIED, "id"],
  [TargetFieldName.FIELD_NAME_ID, "id"],
  [TargetFieldName.FIELD_NAME_CREATION_DATE, "createdAt"],
  [TargetFieldName.FIELD_NAME_CHANGE_DATE, "changedAt"],
  [TargetFieldName.FIELD_NAME_NAME, "name"],
  [TargetFieldName.FIELD_NAME_TARGET_TYPE, "type"],
  [TargetFieldName.FIELD_NAME_URL, "endpoint"],
  [TargetFieldName.FIELD_NAME_TIMEOUT, "timeout"],
  [TargetFieldName.FIELD_NAME_ASYNC, "id"],
  [TargetFieldName.FIELD_NAME_INTERRUPT_ON_ERROR, "interruptOnError"],
]);

const executionTypes: ReadonlyMap<number, ConditionType | undefined> = new Map(
  [
    [ExecutionType.UNSPECIFIED, undefined],
    [ExecutionType.REQUEST, "request"],
    [ExecutionType.RESPONSE, "response"],
    [ExecutionType.EVENT, "event"],
    [ExecutionType.FUNCTION, "function"],
  ],
);

/** Reads `query` of a list request (see `validatePage`). */
export function pageFromMessage(query: ListQuery | undefined): ListPage {
  return validatePage(
    query?.offset ?? 0n,
    query?.limit ?? 0,
    query?.asc ?? false,
  );
}

/** Reads `sorting_column`; an unknown value is InvalidArgument. */
export function sortFieldFromMessage(column: TargetFieldName): TargetSortField {
  const field = sortFields.get(column);
  if (field === undefined) {
    throw actionErrors.sortingColumnInvalid();
  }
  return field;
}

/**
 * Reads ListTargets' queries. Throws InvalidArgument for a query with no
 * choice, an unknown text method or a name longer than 200 characters.
 */
export function targetFiltersFromMessages(
  queries: readonly TargetSearchQuery[],
): TargetFilter[] {
  return queries.map((query, index): TargetFilter => {
    const choice = query.query;
    switch (choice.case) {
      case "targetNameQuery": {
        const method = textMethods.get(choice.value.method);
        if (method === undefined) {
          throw actionErrors.textMethodInvalid();
        }
        if (exceeds(choice.value.targetName, 200)) {
          throw actionErrors.targetNameQueryTooLong();
        }
        return { name: choice.value.targetName, method };
      }
      case "inTargetIdsQuery":
        return { ids: choice.value.targetIds };
      default:
        throw actionErrors.searchQueryEmpty(index);
    }
  });
}

/**
 * Reads ListExecutions' queries. Throws InvalidArgument for a query with no
 * choice, an empty condition list, an invalid condition, an unknown
 * execution type, an empty target id or a missing include.
 */
export function executionFiltersFromMessages(
  queries: readonly SearchQuery[],
): ExecutionFilter[] {
  const filters: ExecutionFilter[] = [];
  queries.forEach((query, index) => {
    const choice = query.query;
    switch (choice.case) {
      case "inConditionsQuery": {
        const conditions = choice.value.conditions;
        if (conditions.length === 0) {
          throw actionErrors.conditionsQueryEmpty();
        }
        filters.push({
          ids: conditions.map((c) => executionIdOf(conditionFromMessage(c))),
        });
        return;
      }
      case "executionTypeQuery": {
        const value = choice.value.executionType;
        if (!executionTypes.has(value)) {
          throw actionErrors.executionTypeInvalid();
        }
        const type = executionTypes.get(value);
        if (type !== undefined) {
          filters.push({ type });
        }
        return;
      }
      case "targetQuery":
        if (choice.value.targetId === "") {
          throw actionErrors.targetQueryEmpty();
        }
        filters.push({ targetId: choice.value.targetId });
        return;
      case "includeQuery":
        if (choice.value.include === undefined) {
          throw actionErrors.includeQueryEmpty();
        }
        filters.push({
          includeId: executionIdOf(conditionFromMessage(choice.value.include)),
        });
        return;
      default:
        throw actionErrors.searchQueryEmpty(index);
    }
  });
  return filters;
}
