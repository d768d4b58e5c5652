/**
 * The GitHub Actions runner's rule for what in a step's output is a workflow command (actions/runner,
 * src/Runner.Common/ActionCommand.cs and src/Runner.Worker/ActionCommandManager.cs): each line is tried with
 * `TryParseV2` — after `TrimStart()` (.NET whitespace) the line starts with `::` and has a second `::` — and then
 * with the legacy `TryParse` — `##[` anywhere in the line, then a `]`. The runner reads lines as .NET's ReadLine
 * splits them (CR, LF, CRLF). Written independently of src/ so that a test of the sanitiser checks it against the
 * runner, not against itself.
 */
const DOTNET_WHITESPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*/;

export function runnerCommandLines(output: string): string[] {
  return output.split(/\r\n|\r|\n/).filter((line) => {
    const trimmed = line.replace(DOTNET_WHITESPACE, '');
    const v2 = trimmed.startsWith('::') && trimmed.indexOf('::', 2) >= 0;
    const legacy = /##\[[^\]]*\]/.test(line);
    return v2 || legacy;
  });
}
