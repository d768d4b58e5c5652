/**
 * Names are not content. A layer keeps a file only when its name is one a detector asks for, so a CUDA library whose
 * one real file has another name (`libcudart.so.13 -> /usr/share/misc/blob.dat`, or a hardlink to it) would never
 * be read, although the container's loader opens it under the link's name. After the first read, every link whose
 * own name is interesting and whose content was not kept names a file to read under the link's interest; the layers
 * are read once more for exactly those paths and the files join the first read's results. Real images rarely need
 * it (their links point at interesting names): the second read costs nothing unless a link asks for it.
 */
import type { Finding } from '../common/findings';
import type { FileSystemView, Interest, InterestFn, LayerResult } from '../layers/types';

/** More link targets than this are not read: one finding says so (a real image has a handful at most). */
export const MAX_LINK_TARGETS = 10_000;

export interface LinkTargets {
  /** real path of an unread file -> the link name it is reached by (whose interest applies) */
  byPath: Map<string, string>;
  findings: Finding[];
}

/**
 * The files that interesting links lead to and the first read did not keep, or kept with less than the link's name
 * asks for (a name-only entry where the link's name wants the body). A target whose own name is interesting and which
 * was not kept is absent, not unread.
 */
export function unreadLinkTargets(view: FileSystemView, interest: InterestFn): LinkTargets {
  const byPath = new Map<string, string>();
  let over = 0;
  for (const entry of view.entries()) {
    if (entry.type !== 'symlink' && entry.type !== 'hardlink') continue;
    if (!interest(entry.path, 0)) continue;
    const held = view.resolve(entry.path);
    let real: string | undefined;
    if (held?.type === 'dir') continue;
    if (held?.type === 'file') {
      if (!asksMore(interest(entry.path, held.size), interest(held.path, held.size))) continue;
      real = held.path;
    } else {
      // a symlink's chain ends at a path nothing was kept for; a hardlink (or a symlink to one) at its unkept target
      const end = held?.type === 'hardlink' ? held.linkTarget : entry.type === 'hardlink' ? entry.linkTarget : entry.path;
      real = end === undefined ? undefined : view.realpath?.(end);
      if (real === undefined || real === '' || interest(real, 0)) continue;
    }
    if (byPath.has(real)) continue;
    if (byPath.size >= MAX_LINK_TARGETS) over++;
    else byPath.set(real, entry.path);
  }
  const findings: Finding[] = over
    ? [
        {
          code: 'LIMIT_LINK_TARGETS',
          severity: 'error',
          message: `${over} more links lead to files with names no detector reads; only the first ${MAX_LINK_TARGETS} were read, so CUDA libraries may be missed`,
        },
      ]
    : [];
  return { byPath, findings };
}

/** What the second read asks of a target: what its link's name asks and what its own name asks (the size is the target's). */
export function linkTargetInterest(targets: LinkTargets, interest: InterestFn): InterestFn {
  return (path: string, size: number): Interest | undefined => {
    const link = targets.byPath.get(path);
    if (link === undefined) return undefined;
    const a = interest(link, size) ?? {};
    const b = interest(path, size) ?? {};
    const content = Math.max(a.content ?? 0, b.content ?? 0);
    return { ...(content > 0 && { content }), ...((a.scan ?? b.scan) && { scan: a.scan ?? b.scan }) };
  };
}

function asksMore(link: Interest | undefined, own: Interest | undefined): boolean {
  return (link?.content ?? 0) > (own?.content ?? 0) || (link?.scan !== undefined && own?.scan === undefined);
}

/**
 * The first read's results with the targets' files in the layers that hold them (links and whiteouts are the first
 * read's; the second read keeps the same ones). A file the first read kept with less takes its place; a new one
 * goes first, as a tar lists a hardlink's target before the link.
 */
export function withLinkTargets(first: LayerResult[], second: readonly (LayerResult | undefined)[]): LayerResult[] {
  return first.map((result, i) => {
    const more = second[i];
    if (!more) return result;
    const files = new Map(more.entries.filter((e) => e.type === 'file').map((e) => [e.path, e]));
    if (!files.size) return result;
    const entries = result.entries.map((e) => {
      const better = e.type === 'file' ? files.get(e.path) : undefined;
      if (better) files.delete(e.path);
      return better ?? e;
    });
    const known = new Set(result.findings.map((f) => `${f.code}\0${f.message}`));
    const findings = more.findings.filter((f) => !known.has(`${f.code}\0${f.message}`));
    return { ...result, entries: [...files.values(), ...entries], findings: [...result.findings, ...findings] };
  });
}
