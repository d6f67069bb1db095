// The executable entry of the compiled CLI; bin/actionsd.js and the tests
// start this file.
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2));
