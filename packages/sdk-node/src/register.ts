/**
 * Side-effect entry: `node --import @skein/sdk-node/register app.js`, or
 * `import '@skein/sdk-node/register'` as the app's first import. Configured by `OTEL_*` variables.
 */
import { register } from './setup.js';

register();
