// The browser entry of @federa/client: the isomorphic runtime plus a TF.js client for a tab.
// Bundle it with `node scripts/build-browser.js` (esbuild); no node:* module is used at run time.
export * from '../browser.js';
export { type BrowserClientOptions, pageSocketUrl, startBrowserClient } from './start-browser-client.js';
