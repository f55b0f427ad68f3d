/**
 * The executable entry: bin/webgpu-cnn.js runs this (built as dist/lib/cli.js,
 * or from source through vite-node in a checkout). Exits explicitly, because
 * Dawn keeps Node's event loop alive.
 */
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// let stdout drain when piped before exiting
process.stdout.write('', () => process.exit(code));
