import assert from 'node:assert/strict';
import { checkParams } from '../../server/src/params/check';
import { didChangeParams, inlineCompletionParams, noParams, textHelpParams } from '../../server/src/params/schemas';

/** The message for params that must fail. */
function problem(schema: Parameters<typeof checkParams>[0], raw: unknown): string {
  const checked = checkParams(schema, raw);
  assert.equal(checked.ok, false, `expected ${JSON.stringify(raw)} to fail`);
  return checked.ok ? '' : checked.message;
}

describe('params checks: messages that name the field', function () {
  it('names each missing top-level field', function () {
    assert.equal(
      problem(inlineCompletionParams, {}),
      'textDocument: expected an object, got nothing; position: expected an object, got nothing; context: expected an object, got nothing',
    );
  });

  it('names nested fields by path, with array indexes, and never shows the value', function () {
    const message = problem(didChangeParams, {
      textDocument: { uri: 'file:///a.ts', version: 1 },
      contentChanges: [{ text: 'ok' }, { range: { start: { line: 0 }, end: { line: 0, character: 1 } }, text: 'SECRET' }],
    });
    assert.equal(message, 'contentChanges[1].range.start.character: expected a number, got nothing');
  });

  it('does not take a change with a malformed range for a whole-text replacement', function () {
    assert.match(problem(didChangeParams, { textDocument: { uri: 'u', version: 1 }, contentChanges: [{ range: 5, text: 'x' }] }), /range/);
  });

  it('says what a union or an enum expected', function () {
    assert.equal(
      problem(textHelpParams, { textDocument: { uri: 'u' }, style: 'long', workDoneToken: true }),
      'style: expected "brief" or "detailed"; workDoneToken: expected a number or a string, got a boolean',
    );
    assert.equal(problem(noParams, 5), 'params: expected no params');
  });

  it('bounds positions to LSP uintegers', function () {
    const at = (line: number, character: number): unknown => ({
      textDocument: { uri: 'u' },
      position: { line, character },
      context: { triggerKind: 1 },
    });
    assert.equal(problem(inlineCompletionParams, at(-1, 0)), 'position.line: expected at least 0');
    assert.equal(problem(inlineCompletionParams, at(0, 2 ** 31)), 'position.character: expected at most 2147483647');
    assert.equal(checkParams(inlineCompletionParams, at(3, 2 ** 31 - 1)).ok, true);
  });

  it('keeps at most three problems in one message', function () {
    assert.match(problem(textHelpParams, 'nope'), /^params: expected an object, got a string$/);
    const many = problem(didChangeParams, { textDocument: {}, contentChanges: [1, 2, 3] });
    assert.match(many, /\(and \d+ more\)$/);
  });
});
