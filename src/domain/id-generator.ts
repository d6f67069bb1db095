/**
 * Makes ids that are opaque decimal strings and sort by creation time, like
 * ZITADEL's ("69629026806489455"): milliseconds since 2020 in the high bits,
 * a per-millisecond counter and a random node part in the low 22 bits.
 * Limitation: two processes on one data directory could mint the same id in
 * the same millisecond with a chance of 1 in 1024 per clash; the unique keys
 * of the store turn such a clash into an error instead of a silent overwrite.
 */
export type IdGenerator = () => string;

const epoch = Date.UTC(2020, 0, 1);
const counterBits = 12n;
const nodeBits = 10n;

/** Creates an id generator; `now` is injectable for tests. */
export function createIdGenerator(now: () => number = Date.now): IdGenerator {
  const node = BigInt(Math.floor(Math.random() * 2 ** Number(nodeBits)));
  let lastMillis = 0;
  let counter = 0n;
  return () => {
    let millis = now() - epoch;
    if (millis <= lastMillis) {
      // The clock stood still or went back: keep counting from the last
      // millisecond so ids stay unique and ordered.
      millis = lastMillis;
      counter += 1n;
      if (counter >= 1n << counterBits) {
        millis += 1;
        counter = 0n;
      }
    } else {
      counter = 0n;
    }
    lastMillis = millis;
    const id =
      (BigInt(millis) << (counterBits + nodeBits)) |
      (counter << nodeBits) |
      node;
    return id.toString();
  };
}
