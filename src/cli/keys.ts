/** Placeholder until the command is built. */
export async function runKeys(_args: string[]): Promise<number> {
  process.stderr.write("actionsd: keys is not available yet\n");
  return 2;
}
