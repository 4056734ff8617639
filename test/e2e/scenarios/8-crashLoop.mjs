// @ts-check
import { existsSync, linkSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scriptPids } from '../lib/codeServer.mjs';
import { openFile, runCommand, typeText, waitForStatus, waitForStatusSequence } from '../lib/workbench.mjs';

/** @typedef {import('../lib/types.mjs').ScenarioContext} ScenarioContext */
/** @typedef {import('../lib/types.mjs').Scenario} Scenario */

/**
 * Scenario 8: a model file makes llama.cpp abort the server while it loads (a GGML_ASSERT ends the
 * process with SIGABRT; here the runner sends the signal at that moment, since every file known to
 * make llama.cpp abort is already refused by the server's own checks). The extension restarts the
 * server once; the new server refuses the file instead of loading it again, so there is no crash
 * loop, and the status names the file.
 * @type {Scenario}
 */
export default {
  id: '8',
  title: 'a model that aborts the server while loading is refused after one restart: no crash loop, the status names the file',
  needs: 'chat',
  /** @param {ScenarioContext} t */
  async run(t) {
    if (!t.chatModel) throw new Error('scenario 8 needs the Qwen-shaped model'); // the runner skips it without one
    // A name of its own (a hard link, no copy), so the refusal concerns this scenario's file only.
    const model = join(dirname(t.broken), 'aborts-llama.gguf');
    if (!existsSync(model)) linkSync(t.chatModel.path, model);
    t.writeSettings({ 'slmAssist.model.path': model, 'slmAssist.chatModel.path': '' });
    t.workspaceFile('abort.ts', '');
    const markers = join(t.stateDir, 'loading');
    const earlier = new Set(scriptPids(t.codeServer.sid, t.serverScript));
    const page = await t.open();
    const servers = scriptPids(t.codeServer.sid, t.serverScript).filter((pid) => !earlier.has(pid));
    t.assert(servers.length === 1, `expected one server process for this window, found ${JSON.stringify(servers)}`);
    const [victim] = servers;

    await openFile(page, 'abort.ts');
    const from = (await page.evaluate(() => window.__slmStatusHistory.length)) - 1;
    await runCommand(page, t.commandTitle('slmAssist.loadModel'));
    // The server writes its crash marker right before llama.cpp reads the file: that is when it
    // "aborts". No message says so, so the folder is looked at every 5 ms.
    const deadline = Date.now() + 60_000;
    while (!(existsSync(markers) && readdirSync(markers).length > 0)) {
      if (Date.now() > deadline) throw new Error(`no crash marker in ${markers} within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    process.kill(victim, 'SIGABRT');
    t.log(`SIGABRT to the server (pid ${victim}) while llama.cpp loads ${model}`);

    // Restarting, then the new server's word, before anything is typed: the file is refused.
    const escaped = model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const [, refused] = await waitForStatusSequence(
      page,
      ['^sync~spin\\s', `^error\\s[\\s\\S]*llama\\.cpp aborted the SLM Assist server while it was loading the model ${escaped}`],
      { from, timeoutMs: 60_000 },
    );
    t.log(`status: ${JSON.stringify(refused)}`);
    const restarted = scriptPids(t.codeServer.sid, t.serverScript).filter((pid) => !earlier.has(pid));
    t.assert(restarted.length === 1 && restarted[0] !== victim, `expected one new server process, found ${JSON.stringify(restarted)}`);

    // Typing asks for completions: the server stays up, does not load the file again, and the
    // extension does not restart it.
    await typeText(page, 'console');
    await page.keyboard.press('Alt+Backslash');
    await waitForStatus(page, '^error\\s', 10_000);
    const after = scriptPids(t.codeServer.sid, t.serverScript).filter((pid) => !earlier.has(pid));
    t.assert(JSON.stringify(after) === JSON.stringify(restarted), `the server restarted again: ${JSON.stringify(after)}`);
    t.assert(!existsSync(markers) || readdirSync(markers).length === 1, 'the refused file was not loaded again');
    const history = await page.evaluate((start) => window.__slmStatusHistory.slice(start), from);
    const again = history.filter((label) => /restarting \((?!1\/)\d+\//.test(label));
    t.assert(again.length === 0, `the extension restarted the server more than once: ${JSON.stringify(again)}`);
    await t.shot('8-refused-after-abort');
  },
};
