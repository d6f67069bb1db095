/** Placeholder until the command is built. */
export async function runExecution(_args: string[]): Promise<number> {
  process.stderr.write("actionsd: execution is not available yet\n");
  return 2;
}
