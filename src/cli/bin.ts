/**
 * The executable entry: bin/webgpu-cnn.js runs this (built as dist/lib/cli.js,
 * or from source through vite-node in a checkout). Results go to the
 * launcher's results fd (results_channel.ts), everything else to stderr.
 * Exits explicitly, because Dawn keeps Node's event loop alive.
 */
import { main } from './main.js';
import { resultsChannel } from './results_channel.js';

const results = resultsChannel();
const code = await main(process.argv.slice(2), {
  stdout: (text) => results.write(`${text}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
// let the results drain when piped before exiting
results.flush(() => process.exit(code));
