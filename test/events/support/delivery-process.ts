// A child process for the crash test: the outbox, the pusher and the
// worker over a database file, as the server runs them. Arguments: the
// database path, the secret key in hex, and "push" (write 500 events in
// batches of 10, then print "pushed") or "resume" (only send). It prints
// "ready" once the worker runs and stops on SIGTERM.
import { createEventsFixture, scope } from "./events-fixture.js";

const [path, keyHex, mode] = process.argv.slice(2);
const fixture = createEventsFixture({
  path: path!,
  secretKey: Buffer.from(keyHex!, "hex"),
  worker: { schedule: [0, 50, 100, 200, 400, 800, 1600, 3200], jitter: 0.2 },
});
fixture.worker.start();
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  void fixture.close({ keepFiles: true }).then(() => process.exit(0));
});
if (mode === "push") {
  for (let batch = 0; batch < 50; batch++) {
    fixture.pusher.push(
      scope,
      Array.from({ length: 10 }, (_, i) => ({
        aggregateType: "crash",
        aggregateId: `a${batch}`,
        eventType: "crash.happened",
        payload: { n: batch * 10 + i },
      })),
    );
  }
  process.stdout.write("pushed\n");
}
