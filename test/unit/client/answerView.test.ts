import * as assert from 'node:assert/strict';
import type { TextHelpResult } from '../../../common/protocol';
import {
  answerTitle,
  confirmFallbackPrompt,
  describeModel,
  fallbackChoice,
  FALLBACK_CHOICES,
  isCancelledError,
  parseWebviewMessage,
  progressMessage,
  resultFooter,
  textHelpErrorMessage,
  tokensPerSecond,
} from '../../../client/src/answerView';

function result(overrides: Partial<TextHelpResult> = {}): TextHelpResult {
  return {
    text: 'It adds.',
    model: { name: 'qwen2.5-coder-0.5b', location: 'local' },
    usage: { promptTokens: 120, completionTokens: 50, ms: 2000 },
    chunks: 1,
    ...overrides,
  };
}

describe('answerView', () => {
  it('names a local model and a remote one with its host', () => {
    assert.equal(describeModel({ name: 'qwen', location: 'local' }), 'qwen (local)');
    assert.equal(
      describeModel({ name: 'gpt-4o-mini', location: 'remote', host: 'api.example.com' }),
      'gpt-4o-mini on api.example.com (remote)',
    );
  });

  it('computes tokens per second only from usable usage', () => {
    assert.equal(tokensPerSecond({ promptTokens: 1, completionTokens: 50, ms: 2000 }), 25);
    assert.equal(tokensPerSecond({ promptTokens: 1, completionTokens: 50, ms: 0 }), undefined);
    // Loading the model and reading the input are not part of the speed.
    assert.equal(tokensPerSecond({ promptTokens: 1, completionTokens: 50, ms: 9000, generationMs: 1000 }), 50);
    assert.equal(tokensPerSecond({ promptTokens: 1, completionTokens: 0, ms: 100 }), undefined);
  });

  it('shows the model and speed of a plain local answer', () => {
    assert.deepEqual(resultFooter(result()), ['Answered by qwen2.5-coder-0.5b (local)', '50 tokens, 25.0 tokens/s']);
  });

  it('says when an answer is incomplete, read in pieces or redacted', () => {
    const footer = resultFooter(
      result({ model: { name: 'big', location: 'remote', host: 'llm.corp' }, chunks: 3, incomplete: true, redactions: 2 }),
    );
    assert.deepEqual(footer, [
      'Answered by big on llm.corp (remote)',
      '50 tokens, 25.0 tokens/s',
      'Read in 3 pieces',
      'Incomplete: the answer stopped early',
      '2 secrets redacted before sending',
    ]);
    assert.ok(resultFooter(result({ redactions: 1 })).includes('1 secret redacted before sending'));
  });

  it('titles the panel by what was asked', () => {
    assert.equal(answerTitle('summarize', 'app.ts', { first: 3, last: 20 }), 'Summary of lines 3–20 of app.ts');
    assert.equal(answerTitle('explain', 'app.ts', { first: 7, last: 7 }), 'Explanation of line 7 of app.ts');
    assert.equal(answerTitle('summarize', 'README.md'), 'Summary of README.md');
  });

  it("words the progress notification with the server's message", () => {
    assert.equal(progressMessage('summarize'), 'Summarizing…');
    assert.equal(progressMessage('explain', 'reading chunk 3 of 12'), 'Explaining: reading chunk 3 of 12');
  });

  it('explains a server that does not know the request yet', () => {
    const message = textHelpErrorMessage('summarize', { code: -32601, message: 'Unhandled method slmAssist/summarize' });
    assert.match(message, /cannot summarize yet/);
    assert.match(textHelpErrorMessage('explain', { code: -32097, message: 'Client is not running' }), /not running/);
    assert.equal(textHelpErrorMessage('explain', new Error('no model')), 'SLM Assist could not explain: no model');
  });

  it('recognizes a cancelled request', () => {
    assert.equal(isCancelledError({ code: -32800, message: 'Request cancelled' }), true);
    assert.equal(isCancelledError(new Error('x')), false);
  });

  it('accepts only the webview messages it knows', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'copy' }), { type: 'copy' });
    assert.deepEqual(parseWebviewMessage({ type: 'insert', extra: 1 }), { type: 'insert' });
    assert.equal(parseWebviewMessage({ type: 'eval' }), undefined);
    assert.equal(parseWebviewMessage('stop'), undefined);
    assert.equal(parseWebviewMessage(null), undefined);
  });

  it('asks about the fallback with the host, model, tokens and secrets', () => {
    const prompt = confirmFallbackPrompt({ host: 'api.example.com', model: 'gpt-4o-mini', tokens: 48213.4, redactions: 2 });
    assert.equal(prompt.message, 'Send this text to gpt-4o-mini on api.example.com?');
    assert.match(prompt.detail, /About 48,213 tokens would be sent to api\.example\.com/);
    assert.match(prompt.detail, /2 secrets will be replaced/);
    assert.match(confirmFallbackPrompt({ host: 'h', model: 'm', tokens: 10, redactions: 0 }).detail, /No secrets/);
  });

  it('maps the dialog buttons to the server choices; closing it cancels', () => {
    assert.deepEqual(fallbackChoice(FALLBACK_CHOICES.remote), { choice: 'remote' });
    assert.deepEqual(fallbackChoice(FALLBACK_CHOICES.local), { choice: 'local' });
    assert.deepEqual(fallbackChoice(undefined), { choice: 'cancel' });
  });
});
