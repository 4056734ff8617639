/**
 * Other-file context in the form each model family was trained on, placed before the completion's
 * window so that it stays in the KV cache while the user types:
 *
 * - Families with repository-level tokens (Qwen2.5-Coder `<|repo_name|>` / `<|file_sep|>`,
 *   StarCoder2 `<repo_name>` / `<file_sep>`): the repository's name, then for each snippet the
 *   file separator, its path, a newline and its text, and last the separator and the path of the
 *   file being completed, all before the FIM prefix token (the Qwen2.5-Coder report's layout, which
 *   llama.cpp's `/infill` also uses).
 * - The others: each snippet as line comments under a `Compare this snippet from <path>:` header at
 *   the start of the prefix, as if the current file quoted it; languages without line comments get none.
 */

import { commentSyntaxFor } from '../../../../common/commentSyntax';
import type { RepoTokens } from '../../model/engines';
import type { Snippet, SnippetRing } from '../context/snippets';

export type { RepoTokens };

/** The tokens the other files add to a prompt. */
export interface OtherFilesContext {
  /** The snippets and their versions: equal keys mean equal tokens. */
  key: string;
  /** The snippets alone (their slots), whatever their versions: which places the context shows. */
  places: string;
  /** Before the FIM prompt (repository-level tokens); empty for the comment form. */
  repo: number[];
  /** At the start of the prefix (the comment form); empty for the repository form. */
  notes: number[];
  /** Snippets included. */
  snippets: number;
}

export const NO_OTHER_FILES: OtherFilesContext = { key: '', places: '', repo: [], notes: [], snippets: 0 };

/** How a file is named to the model. */
export interface Naming {
  /** The path of a snippet's document (relative to its workspace folder). */
  path(uri: string): string;
  /** The repository's name: the workspace folder's. */
  repository: string;
}

export interface OtherFilesRequest {
  uri: string;
  languageId: string;
  /** Most tokens the context may use; 0 turns it off. */
  budget: number;
  tokenize(text: string): number[];
  repo?: RepoTokens;
  naming: Naming;
}

/**
 * The other-file context for a completion in `request.uri`: the ring's most recent snippets of
 * other documents that fit the budget, in ring order, in the model family's form.
 */
export function otherFilesContext(ring: SnippetRing, request: OtherFilesRequest): OtherFilesContext {
  const { repo, tokenize, naming } = request;
  if (!(request.budget > 0)) return NO_OTHER_FILES;
  const blocks = new Map<Snippet, number[]>();
  let head: number[] = [];
  let tail: number[] = [];
  let block: (snippet: Snippet) => number[];
  if (repo) {
    head = [repo.repoName, ...tokenize(naming.repository + (repo.newlineAfterName ? '\n' : ''))];
    tail = [repo.fileSep, ...tokenize(`${naming.path(request.uri)}\n`)];
    block = (s) => [repo.fileSep, ...tokenize(`${naming.path(s.uri)}\n${s.text}`)];
  } else {
    // The table "Insert as comment" uses; languages with block comments only get no snippets.
    const comment = commentSyntaxFor(request.languageId)?.line;
    if (comment === undefined) return NO_OTHER_FILES;
    block = (s) => tokenize(commented(comment, naming.path(s.uri), s.text));
  }
  const tokensOf = (s: Snippet): number[] => {
    let tokens = blocks.get(s);
    if (!tokens) blocks.set(s, (tokens = block(s)));
    return tokens;
  };
  const chosen = ring.select(request.uri, request.budget - head.length - tail.length, (s) => tokensOf(s).length);
  if (chosen.length === 0) return NO_OTHER_FILES;
  const body = chosen.flatMap(tokensOf);
  return {
    key: chosen.map((s) => `${s.id}.${s.version}`).join(','),
    places: chosen.map((s) => s.id).join(','),
    repo: repo ? [...head, ...body, ...tail] : [],
    notes: repo ? [] : body,
    snippets: chosen.length,
  };
}

/** A snippet as line comments under a header naming its file, ending with a line break. */
function commented(comment: string, path: string, text: string): string {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  return `${comment} Compare this snippet from ${path}:\n${lines.map((line) => (line ? `${comment} ${line}` : comment)).join('\n')}\n`;
}

/**
 * Names files by their path in the workspace folder holding them (the file's name alone outside
 * of every folder); the repository is the first folder's name.
 */
export function workspaceNaming(folders: readonly string[]): Naming {
  const decoded = (uri: string): string => {
    try {
      return decodeURIComponent(uri);
    } catch {
      return uri;
    }
  };
  const roots = folders.map((f) => decoded(f).replace(/\/+$/, ''));
  const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
  return {
    repository: roots.length > 0 ? base(roots[0]) || 'workspace' : 'workspace',
    path(uri) {
      const full = decoded(uri);
      const root = roots.find((r) => full.startsWith(`${r}/`));
      return root ? full.slice(root.length + 1) : base(full) || full;
    },
  };
}
