/** Placeholder until the command is built. */
export async function runToken(_args: string[]): Promise<number> {
  process.stderr.write("actionsd: token is not available yet\n");
  return 2;
}
