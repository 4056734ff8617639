// Types for the functions the e2e tests run in the browser (page.evaluate, waitForFunction,
// addInitScript): the DOM, and what preparePage (workbench.mjs) adds to `window`.
//
// The DOM's own types come from this folder's tsconfig.json (lib DOM), which only the e2e files use.

interface Window {
  /** Every aria-label the SLM Assist status bar item has shown, in order (see preparePage). */
  __slmStatusHistory: string[];
  /** The ghost text of the focused editor right now (see preparePage). */
  __slmGhostText: () => string;
}
