import assert from 'node:assert/strict';
import { checkEndpoint, isLoopbackHost } from '../../../server/src/remote/endpoint';

/** The chat URL built from a base URL, or the failure reason. */
function chatUrl(endpoint: string): string {
  const result = checkEndpoint(endpoint);
  return result.ok ? result.url.href : `error: ${result.reason}`;
}

describe('checkEndpoint', () => {
  it('builds /chat/completions from a base URL ending in /v1, /v1/, or with no path', () => {
    assert.equal(chatUrl('https://api.openai.com/v1'), 'https://api.openai.com/v1/chat/completions');
    assert.equal(chatUrl('https://api.openai.com/v1/'), 'https://api.openai.com/v1/chat/completions');
    assert.equal(chatUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080/v1/chat/completions');
    assert.equal(chatUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080/v1/chat/completions');
    assert.equal(chatUrl('  https://host.example/v1//  '), 'https://host.example/v1/chat/completions');
  });

  it('keeps other paths, a full chat URL, and a query string', () => {
    assert.equal(chatUrl('https://api.groq.com/openai/v1'), 'https://api.groq.com/openai/v1/chat/completions');
    assert.equal(
      chatUrl('https://generativelanguage.googleapis.com/v1beta/openai/'),
      'https://generativelanguage.googleapis.com/v1beta/openai/chat/completions',
    );
    assert.equal(chatUrl('https://h.example/v1/chat/completions'), 'https://h.example/v1/chat/completions');
    assert.equal(
      chatUrl('https://res.openai.azure.com/openai/v1?api-version=preview'),
      'https://res.openai.azure.com/openai/v1/chat/completions?api-version=preview',
    );
  });

  it('returns the host and whether it is loopback', () => {
    const remote = checkEndpoint('https://llm.corp.example:8443/v1');
    assert.ok(remote.ok);
    assert.equal(remote.host, 'llm.corp.example:8443');
    assert.equal(remote.loopback, false);
    const local = checkEndpoint('http://localhost:11434/v1');
    assert.ok(local.ok);
    assert.equal(local.host, 'localhost:11434');
    assert.equal(local.loopback, true);
  });

  it('allows http only for loopback hosts', () => {
    for (const ok of [
      'http://127.0.0.1:8080/v1',
      'http://127.5.6.7/v1',
      'http://[::1]:8000/v1',
      'http://localhost/v1',
      'http://LOCALHOST:1234/v1',
      'http://127.1/v1',
    ]) {
      assert.ok(checkEndpoint(ok).ok, ok);
    }
    for (const bad of [
      'http://192.168.1.10:8080/v1',
      'http://10.0.0.1/v1',
      'http://llm.example.com/v1',
      'http://0.0.0.0:8080/v1',
      'http://[::2]/v1',
      'http://localhost.evil.com/v1',
      'http://128.0.0.1/v1',
    ]) {
      const result = checkEndpoint(bad);
      assert.ok(!result.ok, bad);
      assert.match(result.reason, /slmAssist\.fallback\.endpoint must use https:\/\//);
      assert.match(result.reason, /only for a server on this machine/);
    }
    assert.ok(checkEndpoint('https://192.168.1.10:8443/v1').ok);
  });

  it('refuses credentials in the URL without repeating them', () => {
    for (const bad of ['https://user:hunter2@host.example/v1', 'https://hunter2@host.example/v1', 'http://u:hunter2@127.0.0.1:8080/v1']) {
      const result = checkEndpoint(bad);
      assert.ok(!result.ok, bad);
      assert.match(result.reason, /slmAssist\.fallback\.endpoint must not contain a user name or password/);
      assert.ok(!result.reason.includes('hunter2'), result.reason);
    }
  });

  it('refuses empty, invalid and non-http URLs with a reason naming the setting', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /is empty/],
      ['   ', /is empty/],
      ['not a url', /is not a valid URL/],
      ['localhost:8080/v1', /must start with https:\/\//],
      ['ftp://host/v1', /must start with https:\/\//],
      ['file:///etc/passwd', /must start with https:\/\//],
      ['https://host.example/v1#frag', /must not contain a fragment/],
    ];
    for (const [input, reason] of cases) {
      const result = checkEndpoint(input);
      assert.ok(!result.ok, input);
      assert.match(result.reason, /^slmAssist\.fallback\.endpoint /);
      assert.match(result.reason, reason, input);
    }
  });

  it('does not leak credentials of an unparsable URL into the reason', () => {
    for (const input of ['ht!tp://user:hunter2@host', 'user:hunter2@host/v1', 'localhost:hunter2@x']) {
      const result = checkEndpoint(input);
      assert.ok(!result.ok, input);
      assert.ok(!result.reason.includes('hunter2'), result.reason);
    }
  });
});

describe('isLoopbackHost', () => {
  it('knows 127.0.0.0/8, ::1, IPv4-mapped loopback and localhost', () => {
    for (const host of ['localhost', '127.0.0.1', '127.255.255.254', '[::1]', '[::ffff:7f00:1]', 'localhost.'])
      assert.ok(isLoopbackHost(host), host);
    for (const host of ['example.com', '10.0.0.1', '[::]', '[fe80::1]', '[::ffff:a00:1]', '0.0.0.0', 'localhost.example.com', '1127.0.0.1'])
      assert.ok(!isLoopbackHost(host), host);
  });
});
