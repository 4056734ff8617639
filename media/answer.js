// @ts-check
// The SLM Assist answer panel. Model output is only ever added as text (Text nodes and
// textContent), never as HTML. Messages are described in client/src/answerView.ts.
(function () {
  const vscode = acquireVsCodeApi();
  const title = /** @type {HTMLElement} */ (document.getElementById('title'));
  const status = /** @type {HTMLElement} */ (document.getElementById('status'));
  const answer = /** @type {HTMLElement} */ (document.getElementById('answer'));
  const footer = /** @type {HTMLElement} */ (document.getElementById('footer'));
  const stop = /** @type {HTMLButtonElement} */ (document.getElementById('stop'));
  const copy = /** @type {HTMLButtonElement} */ (document.getElementById('copy'));
  const insert = /** @type {HTMLButtonElement} */ (document.getElementById('insert'));

  /** Run shown now; messages of other runs are stale. */
  let id = 0;
  let canInsert = false;
  /** One Text node per run: streaming appends to it instead of re-rendering. */
  let text = document.createTextNode('');
  answer.append(text);

  stop.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));
  copy.addEventListener('click', () => vscode.postMessage({ type: 'copy' }));
  insert.addEventListener('click', () => vscode.postMessage({ type: 'insert' }));

  /**
   * @param {string} phase
   * @param {string} line
   * @param {string[]} facts
   */
  function showMeta(phase, line, facts) {
    document.body.dataset.phase = phase;
    status.textContent = line;
    footer.replaceChildren(
      ...facts.map((fact) => {
        const item = document.createElement('li');
        item.textContent = fact;
        return item;
      }),
    );
    const running = phase === 'waiting' || phase === 'streaming';
    const hasText = text.data.trim().length > 0;
    stop.disabled = !running;
    copy.disabled = !hasText;
    insert.hidden = !canInsert;
    insert.disabled = running || !hasText;
  }

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'reset') {
      const state = message.state;
      id = state.id;
      canInsert = state.canInsert;
      title.textContent = state.title;
      text = document.createTextNode(state.text);
      answer.replaceChildren(text);
      showMeta(state.phase, state.status, state.footer);
    } else if (message.id !== id) {
      return;
    } else if (message.type === 'delta') {
      text.appendData(message.text);
      copy.disabled = false;
    } else if (message.type === 'meta') {
      showMeta(message.phase, message.status, message.footer);
    }
  });

  vscode.postMessage({ type: 'ready' });
})();
