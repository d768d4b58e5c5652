/**
 * GPU names as people and nvidia-smi write them: "NVIDIA A100-SXM4-80GB", "Tesla T4", "geforce rtx4090".
 * Case, a leading "NVIDIA" and the choice of spaces / hyphens / underscores do not matter.
 */

/** Lower-case words of a GPU name without the leading vendor word. */
export function nameTokens(name: string): string[] {
  const tokens = name.toLowerCase().split(/[\s_-]+/).filter(Boolean);
  while (tokens[0] === 'nvidia') tokens.shift();
  return tokens;
}

/** Spacing-insensitive key: "RTX4090" and "RTX 4090" compare equal. */
export function compactName(name: string): string {
  return nameTokens(name).join('');
}

/** Whether `name` is `candidate` followed by more words ("a100 sxm4 80gb" starts with "a100"). */
export function startsWithName(name: readonly string[], candidate: readonly string[]): boolean {
  return candidate.length > 0 && candidate.length < name.length && candidate.every((t, i) => name[i] === t);
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
