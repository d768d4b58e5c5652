/**
 * The repository's files per commit, for the GitHub stand-in (github-stand-in.ts): `GET contents/{path}?ref=` and
 * `GET git/commits/{sha}` as GitHub answers them — a file as JSON with its content in base64 (wrapped at 60
 * characters) or its bytes with `Accept: application/vnd.github.raw`, a directory as a list, 404 for a file the commit
 * lacks and for a commit that does not exist.
 *
 * A commit no test seeded holds the files of this checkout's working tree (unless `workingTreeForOtherCommits` is
 * false): tests that gate a pull request with a targets file of the checkout, and seed nothing, see the same file at
 * the base commit — the policy of the base is the pull request's.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const DOCS = 'https://docs.github.com/rest';

type Send = (status: number, payload: unknown, headers?: Record<string, string>) => void;

export class RepositoryFiles {
  private readonly commits = new Map<string, Map<string, string>>();
  /** false: a commit no test seeded does not exist (404 for it and for its files) */
  workingTreeForOtherCommits = true;

  constructor(private readonly repository: string) {}

  /** A commit of the repository and its files (path → text). */
  commit(sha: string, files: Record<string, string>): void {
    this.commits.set(sha, new Map(Object.entries(files)));
  }

  reset(): void {
    this.commits.clear();
    this.workingTreeForOtherCommits = true;
  }

  /** Answers `rest` (the path after /repos/OWNER/NAME/) when it is a contents or git commit request; false otherwise. */
  serve(rest: string, query: Record<string, string>, headers: Record<string, string | string[] | undefined>, send: Send): boolean {
    const [owner, repo] = this.repository.split('/');
    const api = `https://api.github.com/repos/${owner}/${repo}`;
    const commit = rest.match(/^git\/commits\/([0-9a-f]{40})$/);
    if (commit) {
      const sha = commit[1];
      if (!this.commits.has(sha) && !this.workingTreeForOtherCommits) {
        send(404, { message: 'Not Found', documentation_url: `${DOCS}/git/commits#get-a-commit-object`, status: '404' });
      } else {
        send(200, {
          sha,
          node_id: `C_${sha.slice(0, 20)}`,
          url: `${api}/git/commits/${sha}`,
          html_url: `https://github.com/${owner}/${repo}/commit/${sha}`,
          message: 'base',
        });
      }
      return true;
    }
    if (!rest.startsWith('contents/')) return false;
    const path = decodeURIComponent(rest.slice('contents/'.length)).replace(/\/+$/, '');
    const ref = query.ref ?? 'main';
    const file = this.fileAt(ref, path);
    if (file === undefined) {
      send(404, { message: 'Not Found', documentation_url: `${DOCS}/repos/contents#get-repository-content`, status: '404' });
      return true;
    }
    if (file === 'directory') {
      send(200, [{ type: 'dir', name: path.split('/').pop(), path }]);
      return true;
    }
    if (/application\/vnd\.github(\.v3)?\.raw/.test(String(headers.accept ?? ''))) {
      send(200, file, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
      return true;
    }
    const bytes = Buffer.from(file, 'utf8');
    const sha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    const url = `${api}/contents/${path}?ref=${ref}`;
    const html = `https://github.com/${owner}/${repo}/blob/${ref}/${path}`;
    send(200, {
      name: path.split('/').pop(),
      path,
      sha,
      size: bytes.length,
      url,
      html_url: html,
      git_url: `${api}/git/blobs/${sha}`,
      download_url: `https://raw.githubusercontent.com/${owner}/${repo}/${ref}/${path}`,
      type: 'file',
      // over 1 MB GitHub leaves the content out of the JSON: the raw media type has it
      ...(bytes.length > 1_000_000
        ? { content: '', encoding: 'none' }
        : { content: (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n', encoding: 'base64' }),
      _links: { self: url, git: `${api}/git/blobs/${sha}`, html },
    });
    return true;
  }

  /** A file's text at a commit, 'directory', or undefined (no such file, or no such commit). */
  private fileAt(ref: string, path: string): string | 'directory' | undefined {
    const files = this.commits.get(ref);
    if (files) {
      if (files.has(path)) return files.get(path);
      return [...files.keys()].some((p) => p.startsWith(`${path}/`)) ? 'directory' : undefined;
    }
    if (!this.workingTreeForOtherCommits || path.split('/').includes('..')) return undefined;
    try {
      const onDisk = join(ROOT, path);
      return statSync(onDisk).isDirectory() ? 'directory' : readFileSync(onDisk, 'utf8');
    } catch {
      return undefined;
    }
  }
}
