// Types for the functions the e2e tests run in the browser (page.evaluate, waitForFunction,
// addInitScript): the DOM, and what preparePage (workbench.mjs) adds to `window`.
//
// TypeScript has no per-file `lib`: this brings the DOM's globals into the whole program. The
// alternative, reaching `document` through casts of `globalThis`, would change the code that runs.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

interface Window {
  /** Every aria-label the SLM Assist status bar item has shown, in order (see preparePage). */
  __slmStatusHistory: string[];
  /** The ghost text of the focused editor right now (see preparePage). */
  __slmGhostText: () => string;
}
