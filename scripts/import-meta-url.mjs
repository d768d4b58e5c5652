// Injected into the CJS bundles in place of import.meta.url, which ESM dependencies read (@actions/artifact's Azure
// storage client) and a CJS bundle would leave empty.
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
