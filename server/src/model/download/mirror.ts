import { isLoopbackHost, stripCredentials } from '../../remote/endpoint';

/** A mirror that may be used, or why not. */
export type MirrorCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * The catalog URL on the mirror: the mirror's base replaces the public origin, and the path (and
 * query) are kept, so `https://huggingface.co/Qwen/X/resolve/main/f.gguf` with the mirror
 * `https://mirror.corp/artifactory/hf` (with or without a trailing slash) becomes
 * `https://mirror.corp/artifactory/hf/Qwen/X/resolve/main/f.gguf`. That is the layout of
 * Artifactory's and Nexus's Hugging Face remotes and of hf-mirror-style proxies. An empty mirror
 * leaves the URL as it is. The mirror must be one {@link checkMirror} accepted (this throws on one
 * that does not parse).
 */
export function applyMirror(url: URL, mirror: string): URL {
  const base = mirror.trim();
  if (!base) return url;
  const mirrored = new URL(base);
  mirrored.pathname = mirrored.pathname.replace(/\/+$/, '') + url.pathname;
  mirrored.search = url.search;
  mirrored.hash = '';
  return mirrored;
}

/**
 * Checks a mirror's base URL. The rules are those of the remote fallback endpoint
 * (`remote/endpoint.ts`), for the same reasons:
 * - `https:` is required, except on this machine (127.0.0.0/8, `::1`, `localhost`): over plain
 *   http anyone on the network path could swap the model for another file;
 * - no user name or password (`user:pass@`): a URL is shown and logged where a secret must not be;
 * - no query or fragment: the mirror is a base that catalog paths are appended to.
 * An empty string is not a mirror: callers skip {@link applyMirror} for it.
 */
export function checkMirror(mirror: string): MirrorCheck {
  const raw = mirror.trim();
  const shown = JSON.stringify(stripCredentials(raw));
  if (!raw) return fail('The download mirror is empty: set it to a base URL such as https://mirror.example.com/hf, or leave it unset.');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`The download mirror ${shown} is not a valid URL: write it in full, e.g. https://mirror.example.com/hf.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return fail(`The download mirror must start with https:// (or http:// on this machine); got ${shown}.`);
  }
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
    return fail(`The download mirror must not contain a user name or password (user:pass@): use ${url.href} instead.`);
  }
  if (url.search || url.hash) {
    return fail(`The download mirror is a base URL that model paths are appended to: remove the query or fragment from ${shown}.`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return fail(
      `The download mirror must use https:// for ${url.host}: over plain http a model file can be altered on the way. Plain http:// is allowed only on this machine (localhost, 127.0.0.1, ::1).`,
    );
  }
  return { ok: true, url };
}

function fail(reason: string): MirrorCheck {
  return { ok: false, reason };
}
