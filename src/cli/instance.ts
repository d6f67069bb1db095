/** Placeholder until the command is built. */
export async function runInstance(_args: string[]): Promise<number> {
  process.stderr.write("actionsd: instance is not available yet\n");
  return 2;
}
