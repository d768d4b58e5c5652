/**
 * What `cuda-gate --help` and `cuda-gate COMMAND --help` print, and the flags of each command, which also answer a
 * mistyped flag ("unknown flag --drivers: did you mean --driver?"). The parsers (args.ts, merge.ts, plan.ts) stay
 * the authority on what is accepted: this table only explains; __tests__/cli/help.test.ts keeps the two in step.
 */
import { GateError } from '../common/errors';
import { TOOL_VERSION } from '../model/tool-version';

export interface FlagDoc {
  /** the long name, without dashes */
  name: string;
  /** the one-letter alias, without the dash */
  short?: string;
  /** the value's placeholder; absent for a switch */
  value?: string;
  /** one line */
  text: string;
  /** a value to show in "needs a value, e.g. …" */
  example?: string;
}

interface FlagGroup {
  title: string;
  flags: FlagDoc[];
}

interface CommandDoc {
  name: string;
  usage: string;
  summary: string;
  /** lines after the summary, before the flags (SOURCE forms) */
  intro?: string[];
  groups: FlagGroup[];
  notes?: string[];
  examples: string[];
}

const EXIT_CODES = 'exit codes: 0 gate passed, 1 gate failed (a result at or above --fail-on), 2 bad input or an unreadable image';

const CHECK: CommandDoc = {
  name: 'check',
  usage: 'cuda-gate check SOURCE... [--targets FILE | --driver VER [--gpu GPU]] [FLAGS]',
  summary: 'Reads each image and judges whether its CUDA stack runs on each target (driver, GPU, runtime).',
  intro: [
    'SOURCE:',
    '  NAME[:TAG], docker-daemon:NAME[:TAG]     image in the Docker engine at DOCKER_HOST',
    '  docker-archive:PATH[:REF]                docker save / podman save tar',
    '  oci-archive:PATH[:REF], oci:DIR[:REF]    OCI image layout (tar or directory)',
    '  docker://HOST/REPO:TAG|@sha256:…         a registry, no daemon (~/.docker/config.json, $GITHUB_TOKEN for ghcr.io)',
    '  PATH                                     a file or directory, read by its content',
  ],
  groups: [
    {
      title: 'targets (default: .github/cuda-targets.yml when it exists)',
      flags: [
        {
          name: 'targets',
          short: 't',
          value: 'FILE',
          text: 'targets file; "probe" for this machine; k8s:FILE for kubectl get nodes -o json',
          example: '.github/cuda-targets.yml',
        },
        {
          name: 'driver',
          value: 'VER',
          text: 'one target: the host driver as nvidia-smi prints "Driver Version" (not a branch, not CUDA)',
          example: '550.54.15',
        },
        { name: 'gpu', value: 'GPU', text: 'its GPU: a name (A100, "RTX 4090") or a compute capability (8.0)', example: 'A100' },
        { name: 'forward-compat', text: "it may use the image's cuda-compat libraries (data-center GPUs)" },
        { name: 'runtime', value: 'legacy|cdi', text: 'how it starts GPU containers (docker run --gpus | CDI); default: judge both', example: 'cdi' },
      ],
    },
    {
      title: 'output',
      flags: [
        {
          name: 'format',
          short: 'f',
          value: 'text|json|markdown|sarif',
          text: 'report format (default text); sarif for GitHub code scanning',
          example: 'json',
        },
        { name: 'output', short: 'o', value: 'FILE', text: 'write the report to FILE instead of stdout (its directory must exist)', example: 'report.json' },
        { name: 'quiet', short: 'q', text: 'no progress on stderr' },
      ],
    },
    {
      title: 'policy',
      flags: [
        { name: 'fail-on', value: 'fail|caveat|never', text: 'the verdict that fails the gate (default fail)', example: 'caveat' },
        { name: 'no-cuda', value: 'pass|warn|fail', text: 'what an image without any CUDA evidence gets (default warn)', example: 'fail' },
        { name: 'baseline', value: 'SOURCE', text: "the base branch's image, once per SOURCE in order: what changes", example: 'docker-archive:base.tar' },
        { name: 'fail-on-new', text: 'fail only on results worse than their --baseline' },
      ],
    },
    {
      title: 'reading images',
      flags: [
        { name: 'platform', value: 'OS/ARCH', text: 'the platform of a multi-platform image (default linux/amd64)', example: 'linux/arm64' },
        { name: 'scan', value: 'full|config', text: 'config: the image config alone, no layer opened (fast, checks less)', example: 'config' },
        { name: 'cache-dir', value: 'DIR', text: 'per-layer cache (default $XDG_CACHE_HOME/cuda-gate or ~/.cache/cuda-gate)', example: '.cache/cuda-gate' },
        { name: 'no-cache', text: 'read every layer, store nothing' },
        {
          name: 'insecure-registry',
          value: 'HOST[:PORT]',
          text: 'a registry spoken to over plain HTTP (loopback always is); repeatable',
          example: 'registry.local:5000',
        },
        { name: 'jobs', short: 'j', value: 'N', text: 'layers of an archive or layout read at once (default: CPUs, at most 8)', example: '2' },
        { name: 'no-seek', text: 'stream every layer byte instead of reading archives by offset' },
      ],
    },
    {
      title: 'matrix',
      flags: [
        { name: 'matrix', value: 'DIR', text: 'read the matrix YAML files from DIR instead of the shipped ones', example: 'matrix' },
        {
          name: 'matrix-overrides',
          value: 'FILE',
          text: 'your own matrix rows over the shipped ones; repeatable',
          example: '.github/cuda-matrix-overrides.yml',
        },
      ],
    },
    {
      title: 'kubernetes (with --targets k8s:FILE)',
      flags: [
        { name: 'emit', value: 'node-affinity', text: 'after the report, a nodeAffinity admitting the nodes where each image runs', example: 'node-affinity' },
        { name: 'emit-file', value: 'FILE', text: 'write what --emit makes to FILE (default: stdout, after the report)', example: 'affinity.yaml' },
      ],
    },
  ],
  notes: [
    'Progress: a live line on stderr when it is a terminal; otherwise a line at most every 10 s of a long read',
    '(CUDA_GATE_PROGRESS_S=SECONDS to change). --quiet silences both.',
    EXIT_CODES,
    '(with --fail-on-new: a result worse than its baseline).',
  ],
  examples: [
    'cuda-gate check docker-archive:app.tar --driver 550.54.15 --gpu A100',
    'cuda-gate check ghcr.io/org/app:pr-42 --targets .github/cuda-targets.yml --format json --output report.json',
    'cuda-gate check app:latest --targets probe --fail-on caveat',
  ],
};

const PROBE: CommandDoc = {
  name: 'probe',
  usage: 'cuda-gate probe [--format yaml|json]',
  summary: 'Prints a targets-file entry for this machine: its driver and GPUs, from nvidia-smi (or /proc/driver/nvidia/version).',
  groups: [
    {
      title: 'flags',
      flags: [
        {
          name: 'format',
          short: 'f',
          value: 'yaml|json',
          text: 'yaml: an entry to paste into the targets file (default); json: what was probed',
          example: 'json',
        },
        { name: 'matrix', value: 'DIR', text: 'read the matrix YAML files from DIR instead of the shipped ones', example: 'matrix' },
      ],
    },
  ],
  notes: ['exit codes: 0 probed, 2 no NVIDIA driver on this machine'],
  examples: ['cuda-gate probe >> .github/cuda-targets.yml   # then merge the entry under targets:', 'cuda-gate probe --format json'],
};

const MERGE: CommandDoc = {
  name: 'merge',
  usage: 'cuda-gate merge REPORT.json... [--format text|json|markdown|sarif] [--output FILE] [--fail-on fail|caveat|never]',
  summary: "Merges several runs' JSON reports (matrix legs, machines) into one report with one verdict.",
  groups: [
    {
      title: 'flags',
      flags: [
        { name: 'format', short: 'f', value: 'text|json|markdown|sarif', text: 'report format (default text)', example: 'markdown' },
        { name: 'output', short: 'o', value: 'FILE', text: 'write the merged report to FILE instead of stdout', example: 'merged.json' },
        { name: 'fail-on', value: 'fail|caveat|never', text: 'the verdict that fails the gate (default: what the reports say)', example: 'caveat' },
        {
          name: 'targets',
          short: 't',
          value: 'FILE',
          text: 'the targets file --format sarif points at (default .github/cuda-targets.yml)',
          example: '.github/cuda-targets.yml',
        },
      ],
    },
  ],
  notes: [EXIT_CODES],
  examples: ['cuda-gate merge reports/*/cuda-gate-report.json --format markdown --output summary.md'],
};

const PLAN: CommandDoc = {
  name: 'plan',
  usage: 'cuda-gate plan [--targets FILE | --targets k8s:FILE | --targets probe] [--format text|json|markdown] [--output FILE]',
  summary: 'What the fleet can run, without an image: newest CUDA per target and fleet-wide, base images, GPU code lists.',
  groups: [
    {
      title: 'flags',
      flags: [
        {
          name: 'targets',
          short: 't',
          value: 'FILE',
          text: 'targets file; k8s:FILE for kubectl get nodes -o json; "probe" for this machine',
          example: 'k8s:nodes.json',
        },
        { name: 'format', short: 'f', value: 'text|json|markdown', text: 'plan format (default text)', example: 'json' },
        { name: 'output', short: 'o', value: 'FILE', text: 'write the plan to FILE instead of stdout', example: 'plan.md' },
        { name: 'matrix', value: 'DIR', text: 'read the matrix YAML files from DIR instead of the shipped ones', example: 'matrix' },
        {
          name: 'matrix-overrides',
          value: 'FILE',
          text: 'your own matrix rows over the shipped ones; repeatable',
          example: '.github/cuda-matrix-overrides.yml',
        },
      ],
    },
  ],
  examples: ['kubectl get nodes -o json > nodes.json && cuda-gate plan --targets k8s:nodes.json'],
};

const COMMANDS = { check: CHECK, probe: PROBE, merge: MERGE, plan: PLAN } as const;
export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/** Every flag a command's help lists (tests compare them with the parser's). */
export function commandFlags(command: CommandName): FlagDoc[] {
  return COMMANDS[command].groups.flatMap((g) => g.flags);
}

const FLAG_COLUMN = 36;

function flagLine(f: FlagDoc): string {
  const left = `  ${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`;
  return left.length < FLAG_COLUMN ? `${left.padEnd(FLAG_COLUMN)}${f.text}` : `${left}\n${''.padEnd(FLAG_COLUMN)}${f.text}`;
}

/** `cuda-gate COMMAND --help` */
export function commandHelp(command: CommandName): string {
  const doc = COMMANDS[command];
  const lines = [`usage: ${doc.usage}`, '', doc.summary];
  if (doc.intro) lines.push('', ...doc.intro);
  for (const g of doc.groups) lines.push('', `${g.title}:`, ...g.flags.map(flagLine));
  lines.push('', `  -h, --help${''.padEnd(FLAG_COLUMN - 12)}this text`);
  if (doc.notes) lines.push('', ...doc.notes);
  lines.push('', 'examples:', ...doc.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** `cuda-gate --help` */
export function mainHelp(): string {
  const synopsis = (['check', 'probe', 'merge', 'plan'] as const).map(
    (c, i) => `${i === 0 ? 'usage: ' : '       '}${COMMANDS[c].usage.replace(/ \[--format .*$/, c === 'probe' ? ' [--format yaml|json]' : ' [FLAGS]')}`,
  );
  return `cuda-gate ${TOOL_VERSION}: does a container image's CUDA stack run on the drivers and GPUs it deploys to?

${synopsis.join('\n')}
       cuda-gate help [COMMAND]

commands:
  check                             judge images against targets (a targets file, --driver, this machine)
  probe                             print a targets-file entry for this machine (driver, GPUs)
  merge                             one report and one verdict from several runs' JSON reports
  plan                              what the fleet can run: newest CUDA, base images, GPU code lists
  help                              this text, or a command's flags (as cuda-gate COMMAND --help)

flags:
  -h, --help                        this text; after a command, that command's flags, one line each
      --version                     print the version

${EXIT_CODES}

examples:
  cuda-gate check docker-archive:app.tar --driver 550.54.15 --gpu A100
  cuda-gate check ghcr.io/org/app:pr-42 --targets .github/cuda-targets.yml --format json --output report.json
  cuda-gate check --help            every flag of check
`;
}

/** The help argv asks for, if it asks: `--help`, `-h`, `help [COMMAND]`, no argument at all, `COMMAND … --help`. */
export function helpFor(argv: readonly string[]): string | undefined {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h') return mainHelp();
  if (first === 'help') return isCommand(second) ? commandHelp(second) : mainHelp();
  if (!isCommand(first)) return undefined;
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv.slice(1) : argv.slice(1, end);
  return flags.includes('--help') || flags.includes('-h') ? commandHelp(first) : undefined;
}

// ---- mistyped flags ----------------------------------------------------------------------------------------------

/** Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The names closest to `word`: within 2 edits (fewer than its length), or starting with it; the nearest first, at most 3. */
export function closest(word: string, names: readonly string[]): string[] {
  const w = word.toLowerCase();
  const scored = names
    .map((name) => {
      const d = editDistance(w, name);
      const prefix = w.length >= 2 && name.startsWith(w);
      return { name, score: Math.min(d <= 2 && d < w.length ? d : Infinity, prefix ? 1 : Infinity) };
    })
    .filter((s) => s.score !== Infinity);
  const best = Math.min(...scored.map((s) => s.score));
  return scored
    .filter((s) => s.score === best)
    .map((s) => s.name)
    .slice(0, 3);
}

const orList = (names: string[]): string => (names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0]);

function unknownFlag(command: CommandName, token: string, word: string): GateError {
  const flags = commandFlags(command);
  const near = closest(
    word,
    flags.map((f) => f.name),
  ).map((n) => `--${n}`);
  if (near.length) return new GateError('BAD_ARGUMENT', `unknown flag ${token}: did you mean ${orList(near)}?`);
  return new GateError(
    'BAD_ARGUMENT',
    `unknown flag ${token} for cuda-gate ${command}`,
    `its flags: ${flags.map((f) => `--${f.name}`).join(', ')}; cuda-gate ${command} --help says what each does`,
  );
}

function needsValue(f: FlagDoc, next: string | undefined): GateError {
  const got = next === undefined ? '' : `, not the flag ${next}`;
  return new GateError('BAD_ARGUMENT', `--${f.name} needs a value${got}`, `e.g. --${f.name} ${f.example ?? f.value ?? 'VALUE'}`);
}

/**
 * What is wrong with argv's flags for `command`, by its help's table: an unknown flag (with the closest), a flag
 * without its value, a switch given one. Undefined when the table finds nothing wrong.
 */
export function flagProblem(command: CommandName, argv: readonly string[]): GateError | undefined {
  const flags = commandFlags(command);
  const byName = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short as string, f]));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') break;
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = token.slice(2, eq < 0 ? undefined : eq);
      const f = byName.get(name);
      if (!f) return unknownFlag(command, `--${name}`, name);
      if (f.value && eq < 0) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('-') && next.length > 1)) return needsValue(f, next);
        i++;
      } else if (!f.value && eq >= 0) {
        return new GateError('BAD_ARGUMENT', `--${f.name} takes no value`, `write --${f.name} alone`);
      }
    } else if (token.startsWith('-') && token.length > 1) {
      const chars = token.slice(1);
      const first = byShort.get(chars[0]);
      // -tFILE: a value attached; -qv…: switches grouped
      if (first?.value) {
        if (chars.length > 1) continue;
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('-') && next.length > 1)) return needsValue(first, next);
        i++;
        continue;
      }
      if (first && [...chars].every((c) => byShort.get(c) && !byShort.get(c)?.value)) continue;
      // -driver: a long flag with one dash, or a letter no flag has
      return unknownFlag(command, token, chars.length > 1 ? chars.replace(/=.*/, '') : chars);
    }
  }
  return undefined;
}

/** Node's parseArgs said no (its messages start so): the flag at fault, said as flagProblem says it. */
export function isParseArgsMessage(message: string): boolean {
  return /^(Unknown option '|Option '|Unexpected argument ')/.test(message);
}

const COMMAND_NAMES = [...Object.keys(COMMANDS), 'help', 'version'];

/** `unknown command "chek": did you mean check?`; a flag first: the command is missing. */
export function unknownCommand(command: string): GateError {
  if (command.startsWith('-')) {
    return new GateError(
      'BAD_ARGUMENT',
      `no command before ${command}`,
      'the command comes first, e.g. cuda-gate check SOURCE... --driver 550.54.15; cuda-gate --help lists the commands',
    );
  }
  const near = closest(command, COMMAND_NAMES);
  return new GateError(
    'BAD_ARGUMENT',
    `unknown command "${command}"${near.length ? `: did you mean ${orList(near)}?` : ''}`,
    `the commands: ${Object.keys(COMMANDS).join(', ')}; cuda-gate --help says what each does`,
  );
}
