import { parseArgs } from "node:util";
import {
  conditionFromJson,
  executionIdOf,
  type Condition,
} from "../domain/condition.js";
import { DomainError } from "../errors/domain-error.js";
import {
  deleteStoredExecution,
  listStoredExecutions,
} from "../store/execution-admin.js";
import { createInstanceStore } from "../store/instance-store.js";
import { findInstance } from "../auth/instance-reference.js";
import { createOutbox } from "../events/outbox.js";
import { createExecutionIndex } from "../runtime/execution-index.js";
import type { Db } from "../store/database.js";
import { openExecutionSnapshot } from "../store/execution-snapshot-loader.js";
import {
  openDataDirectory,
  openSecretKey,
  resolveDataDir,
} from "./open-data-directory.js";

const usage = `usage: actionsd execution list|delete [--data DIR] [--instance ID|DOMAIN] [--condition JSON]

Works directly on the data directory, also while the server runs; the
server honours a change on its next call. This is the way out when an
execution blocks every call, including the ones that would remove it.

  list     print every execution of the instance, one JSON object a line;
           --condition prints only that one
  delete   delete the execution of --condition (required), e.g.
           --condition '{"request":{"service":"zitadel.action.v3alpha.ActionService"}}'

  --data DIR      the data directory of the server; default
                  $ACTIONSD_DATA, else ./data
  --instance ID   the instance, by id or domain; default: the default
                  instance (the one made at first start)
`;

/**
 * `actionsd execution list|delete`: lists or deletes executions in the
 * database of a data directory, without the API, so an operator locked out
 * by a failing request execution can remove it. Deletes write the same
 * event as DeleteExecution (creator "cli"). Exit codes: 0 done, 1 not
 * found (instance, execution, database), 2 usage.
 */
export async function runExecution(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        data: { type: "string" },
        instance: { type: "string" },
        condition: { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    return fail(2, `${(error as Error).message}\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const [action, ...rest] = positionals;
  if ((action !== "list" && action !== "delete") || rest.length > 0) {
    return fail(2, usage);
  }
  let condition: Condition | undefined;
  if (values.condition !== undefined) {
    condition = parseCondition(values.condition);
    if (condition === undefined) {
      return fail(2, `--condition is not a condition: ${values.condition}\n`);
    }
  } else if (action === "delete") {
    return fail(2, `--condition is required for delete\n${usage}`);
  }

  const dataDir = resolveDataDir(values.data);
  const opened = openDataDirectory(dataDir);
  if ("error" in opened) {
    return fail(1, `${opened.error}\n`);
  }
  const { db } = opened;
  try {
    const instanceId = findInstance(
      createInstanceStore(db),
      values.instance,
    )?.id;
    if (instanceId === undefined) {
      return fail(1, `no instance ${values.instance ?? "(default)"}\n`);
    }
    if (action === "list") {
      const wanted =
        condition === undefined ? undefined : executionIdOf(condition);
      for (const execution of listStoredExecutions(db, instanceId)) {
        if (wanted === undefined || execution.id === wanted) {
          process.stdout.write(`${JSON.stringify(execution)}\n`);
        }
      }
      return 0;
    }
    const unlocked = openSecretKey(dataDir, db);
    if ("error" in unlocked) {
      return fail(1, `${unlocked.error}\n`);
    }
    const details = deleteStoredExecution(db, instanceId, condition!, {
      onAppend: createCliOutbox(db, unlocked.secretKey).onAppend,
    });
    process.stdout.write(
      `${JSON.stringify({ deleted: executionIdOf(condition!), details })}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      return fail(error.kind === "notFound" ? 1 : 2, `${error.message}\n`);
    }
    throw error;
  } finally {
    db.close();
  }
}

function parseCondition(text: string): Condition | undefined {
  try {
    return conditionFromJson(JSON.parse(text));
  } catch {
    return undefined;
  }
}

// The delete is an event like any other, so event executions that match
// "execution.removed" must get their deliveries too; the server's worker
// finds the new outbox rows on its next look.
function createCliOutbox(db: Db, secretKey: Uint8Array) {
  const executions = createExecutionIndex({
    load: (instanceId) => openExecutionSnapshot(db, secretKey, instanceId),
  });
  return createOutbox({ db, resolveEvent: executions.resolveEvent });
}

function fail(code: number, message: string): number {
  process.stderr.write(`actionsd: ${message}`);
  return code;
}
