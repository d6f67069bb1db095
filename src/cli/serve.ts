/** Placeholder until the command is built. */
export async function runServe(_args: string[]): Promise<number> {
  process.stderr.write("actionsd: serve is not available yet\n");
  return 2;
}
