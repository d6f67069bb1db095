import { runServe } from "./serve.js";
import { runToken } from "./token.js";
import { runInstance } from "./instance.js";
import { runKeys } from "./keys.js";
import { runExecution } from "./execution.js";

/** A subcommand: takes the arguments after its name, returns the exit code. */
export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  serve: runServe,
  token: runToken,
  instance: runInstance,
  keys: runKeys,
  execution: runExecution,
};

const usage = `usage: actionsd <command> [flags]

commands:
  serve       run the server
  token       mint a token for an instance
  instance    add, list and change instances
  keys        rotate an instance's token signing keys
  execution   list or delete executions directly in the data directory
`;

/** Runs the command line and answers the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help") {
    process.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`actionsd: unknown command "${name}"\n${usage}`);
    return 2;
  }
  return command(args);
}
