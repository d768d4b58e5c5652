/**
 * Conformance tables for cuda-gate's model of the NVIDIA container runtime's start-time check. Every case names the
 * file and line it comes from:
 *
 * - `ctk:` NVIDIA/nvidia-container-toolkit@d34b3046758cb1a5db606b2a39519c731bbf9f56 (Masterminds/semver is the copy
 *   it vendors, v3.5.0, under vendor/github.com/Masterminds/semver/v3/)
 * - `dsl.c:` NVIDIA/libnvidia-container@5823754b8577d16fabf25a6ef6a1d58f7ff1e5dd src/cli/dsl.c
 * - `configure.c:` NVIDIA/libnvidia-container@09df17a2424704c1e4af310d3ce51fe475ba292a src/cli/configure.c
 *
 * Line numbers are those of the files at those commits.
 */
import type { DslHost } from '../../src/verdict/dsl';

export const CUDA_IMAGE_TEST = 'ctk:internal/config/image/cuda_image_test.go';
export const CONTAINER_CONFIG_TEST = 'ctk:cmd/nvidia-container-runtime-hook/container_config_test.go';
export const FACTORY_TEST = 'ctk:internal/requirements/constraints/factory_test.go';
export const LOGICAL_TEST = 'ctk:internal/requirements/constraints/logical_test.go';
const CUDA_IMAGE = 'ctk:internal/config/image/cuda_image.go';
const SEMVER = 'ctk:vendor/github.com/Masterminds/semver/v3/version.go';
const DSL = 'dsl.c';
const CONFIGURE = 'configure.c';

// ---- hosts ----------------------------------------------------------------------------------------------------

/** an R550 host with a Tesla A100 (compute capability 8.0) visible: what most cases run against */
export const HOST: DslHost = { cuda: '12.4', driver: '550.54.15', device: { arch: '8.0', brand: 'tesla' } };
export const host = (over: Partial<DslHost>): DslHost => ({ ...HOST, ...over });
/** configure.c:278-279: no visible GPU — the requirements are evaluated once with `dev == NULL` */
export const NO_DEVICE: DslHost = { cuda: '12.4', driver: '550.54.15' };

// ---- 1. NVIDIA's tests: parseMajorMinorVersion ------------------------------------------------------------------

export interface MajorMinorCase {
  src: string;
  version: string;
  /** undefined: parseMajorMinorVersion returns an error */
  expected: string | undefined;
  what?: string;
}

/** TestParseMajorMinorVersionValid (cuda_image_test.go:110-130): all 6 */
export const PARSE_MAJOR_MINOR_VALID: MajorMinorCase[] = [
  { src: `${CUDA_IMAGE_TEST}:115`, version: '0', expected: '0.0' },
  { src: `${CUDA_IMAGE_TEST}:116`, version: '8', expected: '8.0' },
  { src: `${CUDA_IMAGE_TEST}:117`, version: '7.5', expected: '7.5' },
  { src: `${CUDA_IMAGE_TEST}:118`, version: '9.0.116', expected: '9.0' },
  { src: `${CUDA_IMAGE_TEST}:119`, version: '4294967295.4294967295.4294967295', expected: '4294967295.4294967295' },
  { src: `${CUDA_IMAGE_TEST}:120`, version: 'v11.6', expected: '11.6' },
];

/** TestParseMajorMinorVersionInvalid (cuda_image_test.go:132-156): all 15 */
export const PARSE_MAJOR_MINOR_INVALID: MajorMinorCase[] = [
  'foo',
  'foo.5.10',
  '9.0.116.50',
  '9.0.116foo',
  '7.foo',
  '9.0.bar',
  '9.4294967296',
  '9.0.116.',
  '9..0',
  '9.',
  '.5.10',
  '-9',
  '+9',
  '-9.1.116',
  '-9.-1.-116',
].map((version, i) => ({ src: `${CUDA_IMAGE_TEST}:${134 + i}`, version, expected: undefined }));

// ---- 1. NVIDIA's tests: which env vars become requirements -------------------------------------------------------

export interface RequirementsCase {
  src: string;
  what: string;
  env: Record<string, string>;
  /** the strings the hook hands to `nvidia-container-cli --require=` (order free: Go ranges over a map);
   * 'error': GetRequirements fails ("failed to get version") */
  expected: string[] | 'error';
}

/** TestGetRequirements (cuda_image_test.go:158-217): all 8 */
export const GET_REQUIREMENTS: RequirementsCase[] = [
  { src: `${CUDA_IMAGE_TEST}:165`, what: 'NVIDIA_REQUIRE_JETPACK is ignored', env: { NVIDIA_REQUIRE_JETPACK: 'csv-mounts=all' }, expected: [] },
  {
    src: `${CUDA_IMAGE_TEST}:170`,
    what: 'NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS is ignored',
    env: { NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS: 'base-only' },
    expected: [],
  },
  { src: `${CUDA_IMAGE_TEST}:175`, what: 'single requirement set', env: { NVIDIA_REQUIRE_CUDA: 'cuda>=11.6' }, expected: ['cuda>=11.6'] },
  {
    src: `${CUDA_IMAGE_TEST}:180`,
    what: 'requirements are concatenated requirement set',
    env: { NVIDIA_REQUIRE_CUDA: 'cuda>=11.6', NVIDIA_REQUIRE_BRAND: 'brand=tesla' },
    expected: ['cuda>=11.6', 'brand=tesla'],
  },
  { src: `${CUDA_IMAGE_TEST}:185`, what: 'legacy image', env: { CUDA_VERSION: '11.6' }, expected: ['cuda>=11.6'] },
  {
    src: `${CUDA_IMAGE_TEST}:190`,
    what: 'legacy image with additional requirement',
    env: { CUDA_VERSION: '11.6', NVIDIA_REQUIRE_BRAND: 'brand=tesla' },
    expected: ['cuda>=11.6', 'brand=tesla'],
  },
  {
    src: `${CUDA_IMAGE_TEST}:195`,
    what: 'NVIDIA_DISABLE_REQUIRE ignores requirements',
    env: { NVIDIA_REQUIRE_CUDA: 'cuda>=11.6', NVIDIA_REQUIRE_BRAND: 'brand=tesla', NVIDIA_DISABLE_REQUIRE: 'true' },
    expected: [],
  },
  {
    src: `${CUDA_IMAGE_TEST}:200`,
    what: 'NVIDIA_DISABLE_REQUIRE ignores legacy image requirements',
    env: { CUDA_VERSION: '11.6', NVIDIA_REQUIRE_BRAND: 'brand=tesla', NVIDIA_DISABLE_REQUIRE: 'true' },
    expected: [],
  },
];

export interface HookConfigCase extends Partial<RequirementsCase> {
  src: string;
  what: string;
  /** why the case says nothing about requirements (it is then skipped) */
  skip?: string;
}

const NO_GPU =
  'getNvidiaConfig returns nil: no device is requested, "not a GPU container" (ctk:cmd/nvidia-container-runtime-hook/container_config.go:184-188), so nvidia-container-cli never runs and nothing is required; cuda-gate judges a container started with GPUs';
const MIG_PANIC = 'the hook panics on MIG_*_DEVICES in an unprivileged container (container_config.go:194-203) before it reads any requirement';
const LEGACY_DEV = { CUDA_VERSION: '9.0' };
const MODERN = { NVIDIA_REQUIRE_CUDA: 'cuda>=9.0' };
const REQS = { NVIDIA_REQUIRE_REQ0: 'req0=true', NVIDIA_REQUIRE_REQ1: 'req1=false' };
const DEV = { NVIDIA_VISIBLE_DEVICES: 'gpu0,gpu1' };
const CAPS = { NVIDIA_DRIVER_CAPABILITIES: 'video,display' };

/**
 * TestGetNvidiaConfig (container_config_test.go:12-520), the Requirements field of every case (:517 compares it with
 * ElementsMatch). The NVIDIA_REQUIRE_REQ0/REQ1 values `req0=true` / `req1=false` are handed to nvidia-container-cli
 * as they are; dsl.c would reject them (unknown property, dsl.c:127) — see the derived case for that.
 */
export const HOOK_CONFIG: HookConfigCase[] = [
  { src: `${CONTAINER_CONFIG_TEST}:22`, what: 'No environment, unprivileged', skip: NO_GPU },
  { src: `${CONTAINER_CONFIG_TEST}:28`, what: 'No environment, privileged', skip: NO_GPU },
  { src: `${CONTAINER_CONFIG_TEST}:34`, what: 'Legacy image, no devices, no capabilities, no requirements', env: { ...LEGACY_DEV }, expected: ['cuda>=9.0'] },
  { src: `${CONTAINER_CONFIG_TEST}:46`, what: "Legacy image, devices 'all'", env: { ...LEGACY_DEV, NVIDIA_VISIBLE_DEVICES: 'all' }, expected: ['cuda>=9.0'] },
  { src: `${CONTAINER_CONFIG_TEST}:59`, what: "Legacy image, devices 'empty'", skip: NO_GPU },
  { src: `${CONTAINER_CONFIG_TEST}:68`, what: "Legacy image, devices 'void'", skip: NO_GPU },
  { src: `${CONTAINER_CONFIG_TEST}:77`, what: "Legacy image, devices 'none'", env: { ...LEGACY_DEV, NVIDIA_VISIBLE_DEVICES: 'none' }, expected: ['cuda>=9.0'] },
  { src: `${CONTAINER_CONFIG_TEST}:90`, what: 'Legacy image, devices set', env: { ...LEGACY_DEV, ...DEV }, expected: ['cuda>=9.0'] },
  {
    src: `${CONTAINER_CONFIG_TEST}:103`,
    what: "Legacy image, devices set, capabilities 'empty'",
    env: { ...LEGACY_DEV, ...DEV, NVIDIA_DRIVER_CAPABILITIES: '' },
    expected: ['cuda>=9.0'],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:117`,
    what: "Legacy image, devices set, capabilities 'all'",
    env: { ...LEGACY_DEV, ...DEV, NVIDIA_DRIVER_CAPABILITIES: 'all' },
    expected: ['cuda>=9.0'],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:131`,
    what: 'Legacy image, devices set, capabilities set',
    env: { ...LEGACY_DEV, ...DEV, ...CAPS },
    expected: ['cuda>=9.0'],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:145`,
    what: 'Legacy image, devices set, capabilities set, requirements set (req0=true, req1=false)',
    env: { ...LEGACY_DEV, ...DEV, ...CAPS, ...REQS },
    expected: ['cuda>=9.0', 'req0=true', 'req1=false'],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:161`,
    what: 'Legacy image, requirements set, disable requirements',
    env: { ...LEGACY_DEV, ...DEV, ...CAPS, ...REQS, NVIDIA_DISABLE_REQUIRE: 'true' },
    expected: [],
  },
  { src: `${CONTAINER_CONFIG_TEST}:178`, what: 'Modern image, no devices, no CUDA_VERSION', skip: NO_GPU },
  { src: `${CONTAINER_CONFIG_TEST}:186`, what: 'Modern image, no devices, CUDA_VERSION set', skip: NO_GPU },
  { src: `${CONTAINER_CONFIG_TEST}:195`, what: "Modern image, devices 'all'", env: { ...MODERN, NVIDIA_VISIBLE_DEVICES: 'all' }, expected: ['cuda>=9.0'] },
  { src: `${CONTAINER_CONFIG_TEST}:208`, what: "Modern image, devices 'empty'", skip: NO_GPU },
  { src: `${CONTAINER_CONFIG_TEST}:217`, what: "Modern image, devices 'void'", skip: NO_GPU },
  { src: `${CONTAINER_CONFIG_TEST}:226`, what: "Modern image, devices 'none'", env: { ...MODERN, NVIDIA_VISIBLE_DEVICES: 'none' }, expected: ['cuda>=9.0'] },
  { src: `${CONTAINER_CONFIG_TEST}:239`, what: 'Modern image, devices set', env: { ...MODERN, ...DEV }, expected: ['cuda>=9.0'] },
  {
    src: `${CONTAINER_CONFIG_TEST}:252`,
    what: "Modern image, devices set, capabilities 'empty'",
    env: { ...MODERN, ...DEV, NVIDIA_DRIVER_CAPABILITIES: '' },
    expected: ['cuda>=9.0'],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:266`,
    what: "Modern image, devices set, capabilities 'all'",
    env: { ...MODERN, ...DEV, NVIDIA_DRIVER_CAPABILITIES: 'all' },
    expected: ['cuda>=9.0'],
  },
  { src: `${CONTAINER_CONFIG_TEST}:280`, what: 'Modern image, devices set, capabilities set', env: { ...MODERN, ...DEV, ...CAPS }, expected: ['cuda>=9.0'] },
  {
    src: `${CONTAINER_CONFIG_TEST}:294`,
    what: 'Modern image, devices set, capabilities set, requirements set (req0=true, req1=false)',
    env: { ...MODERN, ...DEV, ...CAPS, ...REQS },
    expected: ['cuda>=9.0', 'req0=true', 'req1=false'],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:310`,
    what: 'Modern image, requirements set, disable requirements',
    env: { ...MODERN, ...DEV, ...CAPS, ...REQS, NVIDIA_DISABLE_REQUIRE: 'true' },
    expected: [],
  },
  { src: `${CONTAINER_CONFIG_TEST}:327`, what: "No cuda envs, devices 'all'", env: { NVIDIA_VISIBLE_DEVICES: 'all' }, expected: [] },
  {
    src: `${CONTAINER_CONFIG_TEST}:340`,
    what: "Modern image, devices 'all', migConfig set, privileged",
    env: { ...MODERN, NVIDIA_VISIBLE_DEVICES: 'all', NVIDIA_MIG_CONFIG_DEVICES: 'mig0,mig1' },
    expected: ['cuda>=9.0'],
  },
  { src: `${CONTAINER_CONFIG_TEST}:355`, what: "Modern image, devices 'all', migConfig set, unprivileged", skip: MIG_PANIC },
  {
    src: `${CONTAINER_CONFIG_TEST}:365`,
    what: "Modern image, devices 'all', migMonitor set, privileged",
    env: { ...MODERN, NVIDIA_VISIBLE_DEVICES: 'all', NVIDIA_MIG_MONITOR_DEVICES: 'mig0,mig1' },
    expected: ['cuda>=9.0'],
  },
  { src: `${CONTAINER_CONFIG_TEST}:380`, what: "Modern image, devices 'all', migMonitor set, unprivileged", skip: MIG_PANIC },
  {
    src: `${CONTAINER_CONFIG_TEST}:390`,
    what: 'Hook config set as driver-capabilities-all',
    env: { NVIDIA_VISIBLE_DEVICES: 'all', NVIDIA_DRIVER_CAPABILITIES: 'all' },
    expected: [],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:407`,
    what: 'Hook config set, envvar sets driver-capabilities',
    env: { NVIDIA_VISIBLE_DEVICES: 'all', ...CAPS },
    expected: [],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:424`,
    what: 'Hook config set, envvar unset sets default driver-capabilities',
    env: { NVIDIA_VISIBLE_DEVICES: 'all' },
    expected: [],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:440`,
    what: 'Hook config set, swarmResource overrides device selection',
    env: { NVIDIA_VISIBLE_DEVICES: 'all', DOCKER_SWARM_RESOURCE: 'GPU1,GPU2' },
    expected: [],
  },
  {
    src: `${CONTAINER_CONFIG_TEST}:458`,
    what: 'Hook config set, comma separated swarmResource is split and overrides device selection',
    env: { NVIDIA_VISIBLE_DEVICES: 'all', DOCKER_SWARM_RESOURCE: 'GPU1,GPU2' },
    expected: [],
  },
];

// ---- 1. NVIDIA's tests: the Go constraints evaluator (CSV / Tegra mode only) --------------------------------------

export type Outcome = 'satisfied' | 'unsatisfied' | 'invalid';

export interface ConstraintCase {
  src: string;
  what: string;
  requirement: string;
  /** hosts and what dsl.c says on each (where the Go evaluator says the same) */
  checks?: { host: DslHost; expect: Outcome }[];
  /** the case's semantics differ from dsl.c's: why (the case is then skipped) */
  skip?: string;
}

const cudaHost = (cuda: string, arch = '8.0'): DslHost => ({ cuda, driver: '550.54.15', device: { arch, brand: 'tesla' } });
/** operator parsing: the Go factory and dsl.c read the same six operators; evaluated on hosts 11.5, 11.6, 11.7 */
const op = (line: number, what: string, requirement: string, at: [Outcome, Outcome, Outcome]): ConstraintCase => ({
  src: `${FACTORY_TEST}:${line}`,
  what,
  requirement,
  checks: [
    { host: cudaHost('11.5'), expect: at[0] },
    { host: cudaHost('11.6'), expect: at[1] },
    { host: cudaHost('11.7'), expect: at[2] },
  ],
});

/**
 * factory_test.go. Note on TestNewConstraintFromRequirement: the Go factory ORs space-separated terms and ANDs
 * comma-separated ones (ctk:internal/requirements/constraints/factory.go:59-60, :71-73, :92, :96) — the same as dsl.c.
 * The cases at :148 ("space-separated is and") and :155 ("comma-separated is or") say the opposite in their names and
 * expected values, but they compare with require.EqualValues (:183), which converts between the slice types `and`
 * and `or` (testify ObjectsAreEqualValues, ConvertibleTo + DeepEqual), so the expected and/or is never checked. The
 * cases below assert what the code does, which is dsl.c's reading.
 */
export const FACTORY: ConstraintCase[] = [
  {
    src: `${FACTORY_TEST}:45`,
    what: 'TestParse: empty is nil (no constraint) = dsl.c: nothing to evaluate, satisfied',
    requirement: '',
    checks: [{ host: HOST, expect: 'satisfied' }],
  },
  { src: `${FACTORY_TEST}:50`, what: 'TestParse: missing operator is invalid', requirement: 'notvalid', checks: [{ host: HOST, expect: 'invalid' }] },
  {
    src: `${FACTORY_TEST}:55`,
    what: 'TestParse: invalid property is nil (ignored)',
    requirement: 'foo=45',
    skip: 'the Go factory drops an unknown property (factory.go:123-126); dsl.c rejects it when it reaches it (dsl.c:117-127) — asserted in the derived cases',
  },
  {
    src: `${FACTORY_TEST}:60`,
    what: 'TestParse: cuda must be semver (cuda=foo is an error)',
    requirement: 'cuda=foo',
    checks: [{ host: HOST, expect: 'invalid' }],
  },
  op(66, 'TestParse: cuda greater than equal', 'cuda>=11.6', ['unsatisfied', 'satisfied', 'satisfied']),
  op(71, 'TestParse: cuda greater than', 'cuda>11.6', ['unsatisfied', 'unsatisfied', 'satisfied']),
  op(76, 'TestParse: cuda less than equal', 'cuda<=11.6', ['satisfied', 'satisfied', 'unsatisfied']),
  op(81, 'TestParse: cuda less than', 'cuda<11.6', ['satisfied', 'unsatisfied', 'unsatisfied']),
  op(86, 'TestParse: cuda equal', 'cuda=11.6', ['unsatisfied', 'satisfied', 'unsatisfied']),
  op(91, 'TestParse: cuda not equal', 'cuda!=11.6', ['satisfied', 'unsatisfied', 'satisfied']),
  { src: `${FACTORY_TEST}:131`, what: 'TestNewConstraintFromRequirement: empty is nil', requirement: '', checks: [{ host: HOST, expect: 'satisfied' }] },
  {
    src: `${FACTORY_TEST}:136`,
    what: 'TestNewConstraintFromRequirement: malformed constraint is invalid',
    requirement: 'notvalid',
    checks: [{ host: HOST, expect: 'invalid' }],
  },
  {
    src: `${FACTORY_TEST}:142`,
    what: 'TestNewConstraintFromRequirement: unsupported property is ignored — where cuda>=11.6 holds, dsl.c never reaches foo=bar',
    requirement: 'cuda>=11.6 foo=bar',
    checks: [{ host: cudaHost('12.0'), expect: 'satisfied' }],
  },
  {
    src: `${FACTORY_TEST}:142`,
    what: 'TestNewConstraintFromRequirement: unsupported property is ignored — where cuda>=11.6 fails',
    requirement: 'cuda>=11.6 foo=bar',
    skip: 'Go reduces the requirement to cuda>=11.6 (unsatisfied on 11.0); dsl.c reaches foo=bar and fails with "invalid expression" (dsl.c:127, :149-151) — asserted in the derived cases',
  },
  {
    src: `${FACTORY_TEST}:148`,
    what: 'TestNewConstraintFromRequirement: "space-separated is and" — the factory code ORs it (factory.go:59-60, :96), as dsl.c does',
    requirement: 'cuda>=11.6 arch=5.3',
    checks: [
      { host: cudaHost('11.0', '5.3'), expect: 'satisfied' },
      { host: cudaHost('12.0', '8.0'), expect: 'satisfied' },
      { host: cudaHost('11.0', '8.0'), expect: 'unsatisfied' },
    ],
  },
  {
    src: `${FACTORY_TEST}:155`,
    what: 'TestNewConstraintFromRequirement: "comma-separated is or" — the factory code ANDs it (factory.go:59-60, :92), as dsl.c does',
    requirement: 'cuda>=11.6,arch=5.3',
    checks: [
      { host: cudaHost('12.0', '5.3'), expect: 'satisfied' },
      { host: cudaHost('12.0', '8.0'), expect: 'unsatisfied' },
      { host: cudaHost('11.0', '5.3'), expect: 'unsatisfied' },
    ],
  },
  {
    src: `${FACTORY_TEST}:163`,
    what: "TestNewConstraintFromRequirement: and takes precedence — or(cuda<13.6, and(cuda>=11.6, arch=5.3)), dsl.c's structure",
    requirement: 'cuda<13.6 cuda>=11.6,arch=5.3',
    checks: [
      { host: cudaHost('12.0', '8.0'), expect: 'satisfied' },
      { host: cudaHost('14.0', '5.3'), expect: 'satisfied' },
      { host: cudaHost('14.0', '8.0'), expect: 'unsatisfied' },
    ],
  },
];

/** logical_test.go: `always` is a term that holds on every host (driver>=1), `never` one that never does (driver<1) */
const T = 'driver>=1';
const F = 'driver<1';
const and = (line: number, what: string, terms: string[], expect: Outcome): ConstraintCase => ({
  src: `${LOGICAL_TEST}:${line}`,
  what: `TestANDConstraint: ${what}`,
  requirement: terms.join(','),
  checks: [{ host: HOST, expect }],
});
const or = (line: number, what: string, terms: string[], expect: Outcome): ConstraintCase => ({
  src: `${LOGICAL_TEST}:${line}`,
  what: `TestORConstraint: ${what}`,
  requirement: terms.join(' '),
  checks: [{ host: HOST, expect }],
});
export const LOGICAL: ConstraintCase[] = [
  and(36, 'empty is always true', [], 'satisfied'),
  and(41, 'single true constraint is true', [T], 'satisfied'),
  and(47, 'single false constraint is false', [F], 'unsatisfied'),
  and(55, 'multiple true constraints are true', [T, T], 'satisfied'),
  and(62, 'mixed constraints are false (first is true)', [T, F], 'unsatisfied'),
  and(69, 'mixed constraints are false (last is true)', [F, T], 'unsatisfied'),
  {
    src: `${LOGICAL_TEST}:100`,
    what: 'TestORConstraint: empty is always false',
    requirement: '',
    skip: 'an empty or{} is never built from a requirement string: OR() of no terms is nil (ctk:internal/requirements/constraints/logical.go:42-45) and factory.go:48-50 drops it; dsl.c evaluates "" as satisfied (dsl.c:136, :159)',
  },
  or(105, 'single true constraint is true', [T], 'satisfied'),
  or(112, 'single false constraint is false', [F], 'unsatisfied'),
  or(119, 'multiple true constraints are true', [T, T], 'satisfied'),
  or(126, 'mixed constraints are true (first is true)', [T, F], 'satisfied'),
  or(133, 'mixed constraints are true (last is true)', [F, T], 'satisfied'),
];

// ---- 2. derived from dsl.c / configure.c -----------------------------------------------------------------------

export interface DslCase {
  src: string;
  what: string;
  predicate: string;
  host: DslHost;
  expect: Outcome;
  /** for invalid: the term dsl.c gave up on */
  term?: string;
  /** for unsatisfied: the exact message */
  message?: string;
  /** cuda-gate disagrees with the C code here: why (the case runs as test.failing) */
  failing?: string;
}

const LONG = ', please update your driver to a newer version, or use an earlier cuda container';
const unsat = (token: string) => `unsatisfied condition: ${token}`;

export const DSL_CASES: DslCase[] = [
  // the walk
  {
    src: `${DSL}:143-158`,
    what: 'alternatives are tried left to right; the first satisfied one ends the walk',
    predicate: 'cuda>=13.0 cuda>=12.0',
    host: HOST,
    expect: 'satisfied',
  },
  { src: `${DSL}:156-157`, what: 'a bad term after a satisfied alternative is never parsed', predicate: 'cuda>=12.0 foo=bar', host: HOST, expect: 'satisfied' },
  {
    src: `${DSL}:156-157`,
    what: 'a bad value after a satisfied alternative is never parsed',
    predicate: 'cuda>=12.0 driver>=r535',
    host: HOST,
    expect: 'satisfied',
  },
  {
    src: `${DSL}:153-154`,
    what: 'a bad term after a false term in the same alternative is never parsed',
    predicate: 'cuda>=13.0,foo=bar',
    host: HOST,
    expect: 'unsatisfied',
    message: unsat('cuda>=13.0,foo=bar') + LONG,
  },
  {
    src: `${DSL}:149-151`,
    what: 'a bad term that is reached makes the requirement invalid',
    predicate: 'cuda>=13.0 foo=bar',
    host: HOST,
    expect: 'invalid',
    term: 'foo=bar',
  },
  { src: `${DSL}:149-151`, what: 'a bad first term is always reached', predicate: 'foo=bar cuda>=12.0', host: HOST, expect: 'invalid', term: 'foo=bar' },
  {
    src: `${DSL}:144-145`,
    what: 'an empty alternative (two spaces) is skipped, not an end',
    predicate: 'cuda>=13.0  cuda>=12.0',
    host: HOST,
    expect: 'satisfied',
  },
  { src: `${DSL}:136, :143-145`, what: 'an empty predicate is satisfied', predicate: '', host: HOST, expect: 'satisfied' },
  { src: `${DSL}:136, :143-145`, what: 'a predicate of spaces is satisfied', predicate: '   ', host: HOST, expect: 'satisfied' },
  {
    src: `${DSL}:146-148, :156-157`,
    what: 'a comma-only first alternative ends the walk satisfied',
    predicate: ', cuda>=13.0',
    host: HOST,
    expect: 'satisfied',
  },
  { src: `${DSL}:146-148, :156-157`, what: 'commas only: satisfied', predicate: ',,,', host: HOST, expect: 'satisfied' },
  {
    src: `${DSL}:146-148, :156-157`,
    what: 'a comma-only alternative after a failed one ends the walk unsatisfied (the satisfied alternative after it is not tried)',
    predicate: 'cuda>=13.0 , cuda>=12.0',
    host: HOST,
    expect: 'unsatisfied',
    message: unsat('cuda>=13.0') + LONG,
  },
  {
    src: `${DSL}:146-148, :156-157`,
    what: 'a comma-only alternative after a failed one: a bad term after it is never parsed',
    predicate: 'cuda>=13.0 , foo=bar',
    host: HOST,
    expect: 'unsatisfied',
  },
  {
    src: `${DSL}:143`,
    what: 'only a space separates alternatives: a tab stays inside the term and the value is not a version',
    predicate: 'cuda>=12.0\tdriver>=1',
    host: HOST,
    expect: 'invalid',
    term: 'cuda>=12.0\tdriver>=1',
  },

  // operators
  {
    src: `${DSL}:103-109, :28`,
    what: "a lone '!' reads as '!=' (strncmp over the run's length)",
    predicate: 'driver!535.104.05',
    host: HOST,
    expect: 'satisfied',
  },
  {
    src: `${DSL}:103-109, :28`,
    what: "a lone '!' reads as '!=': false when equal",
    predicate: 'driver!550.54.15',
    host: HOST,
    expect: 'unsatisfied',
    message: unsat('driver!550.54.15'),
  },
  { src: `${DSL}:103-109, :28, :85-87`, what: "a lone '!' on brand", predicate: 'brand!tesla', host: HOST, expect: 'unsatisfied' },
  { src: `${DSL}:105-114`, what: "'==' is not an operator", predicate: 'cuda==12.4', host: HOST, expect: 'invalid', term: 'cuda==12.4' },
  { src: `${DSL}:105-114`, what: "'=>' is not an operator", predicate: 'cuda=>12.4', host: HOST, expect: 'invalid', term: 'cuda=>12.4' },
  { src: `${DSL}:105-114`, what: "'<>' is not an operator", predicate: 'cuda<>12.4', host: HOST, expect: 'invalid', term: 'cuda<>12.4' },
  { src: `${DSL}:105-114`, what: "'!<' is not an operator", predicate: 'cuda!<12.4', host: HOST, expect: 'invalid', term: 'cuda!<12.4' },
  { src: `${DSL}:105-114`, what: "'>>' is not an operator", predicate: 'driver>>1', host: HOST, expect: 'invalid' },
  { src: `${DSL}:105-114`, what: "'!==' is not an operator", predicate: 'driver!==1', host: HOST, expect: 'invalid' },
  {
    src: `${DSL}:105-114, configure.c:150-151`,
    what: 'a bad operator is invalid even where the host CUDA is unknown (parsing precedes the rule)',
    predicate: 'cuda==12.4',
    host: { driver: '550.54.15' },
    expect: 'invalid',
  },
  { src: `${DSL}:29-30, :105-110`, what: "'<' and '<=' are told apart by the run length", predicate: 'cuda<12.4', host: HOST, expect: 'unsatisfied' },
  { src: `${DSL}:29-30, :105-110`, what: "'<=' holds at equality", predicate: 'cuda<=12.4', host: HOST, expect: 'satisfied' },
  { src: `${DSL}:113`, what: 'an empty value is invalid', predicate: 'cuda>=', host: HOST, expect: 'invalid', term: 'cuda>=' },
  {
    src: `${DSL}:113`,
    what: 'an empty value is invalid even where the host CUDA is unknown',
    predicate: 'cuda>=',
    host: { driver: '550.54.15' },
    expect: 'invalid',
  },
  { src: `${DSL}:100-101`, what: 'no property before the operator is invalid', predicate: '>=12.4', host: HOST, expect: 'invalid' },
  { src: `${DSL}:103-104`, what: 'no operator is invalid', predicate: 'cuda12.4', host: HOST, expect: 'invalid' },
  {
    src: `${DSL}:103, :109`,
    what: 'operator characters after the run belong to the value (brand "a=b" compared as a string)',
    predicate: 'brand=a=b',
    host: HOST,
    expect: 'unsatisfied',
  },
  { src: `${DSL}:41-44, :109`, what: 'operator characters in a version value make it invalid', predicate: 'cuda>=12.0=1', host: HOST, expect: 'invalid' },

  // properties
  { src: `${DSL}:117-127`, what: 'an unknown property is invalid', predicate: 'foo=1', host: HOST, expect: 'invalid', term: 'foo=1' },
  { src: `${DSL}:117-127`, what: 'an unknown property is invalid (cuda_version)', predicate: 'cuda_version>=12', host: HOST, expect: 'invalid' },
  {
    src: `${DSL}:117-127, ctk:cmd/nvidia-container-runtime-hook/container_config_test.go:150`,
    what: "NVIDIA's test value req0=true is rejected by dsl.c (unknown property)",
    predicate: 'req0=true',
    host: HOST,
    expect: 'invalid',
  },
  {
    src: `${DSL}:118 (str_case_equal = !strcasecmp)`,
    what: 'property names are case-insensitive: CUDA',
    predicate: 'CUDA>=12.0',
    host: HOST,
    expect: 'satisfied',
  },
  { src: `${DSL}:118`, what: 'property names are case-insensitive: Driver', predicate: 'Driver>=550', host: HOST, expect: 'satisfied' },
  { src: `${DSL}:118`, what: 'property names are case-insensitive: BRAND', predicate: 'BRAND=tesla', host: HOST, expect: 'satisfied' },
  { src: `${DSL}:84-85`, what: 'brand values are case-insensitive', predicate: 'brand=TESLA', host: HOST, expect: 'satisfied' },
  { src: `${DSL}:86-87`, what: 'brand != holds for another brand', predicate: 'brand!=geforce', host: HOST, expect: 'satisfied' },
  {
    src: `${DSL}:88, :149-151`,
    what: 'brand takes only = and !=: brand>=x is invalid when reached',
    predicate: 'brand>=tesla',
    host: HOST,
    expect: 'invalid',
    term: 'brand>=tesla',
  },
  { src: `${DSL}:88, :149-151`, what: 'brand<x is invalid when reached', predicate: 'brand<tesla', host: HOST, expect: 'invalid' },
  {
    src: `${DSL}:156-157`,
    what: 'brand>=x after a satisfied alternative is never reached',
    predicate: 'cuda>=12.0 brand>=tesla',
    host: HOST,
    expect: 'satisfied',
  },
  {
    src: `${CONFIGURE}:181-183`,
    what: 'no device visible: brand terms hold, whatever the operator',
    predicate: 'brand>=tesla',
    host: NO_DEVICE,
    expect: 'satisfied',
  },
  { src: `${CONFIGURE}:181-183`, what: 'no device visible: brand=x holds', predicate: 'brand=geforce', host: NO_DEVICE, expect: 'satisfied' },
  {
    src: `${CONFIGURE}:184-185`,
    what: 'a device with no brand: brand terms hold',
    predicate: 'brand=geforce',
    host: host({ device: { arch: '8.0' } }),
    expect: 'satisfied',
  },
  { src: `${CONFIGURE}:172-175`, what: 'no device visible: arch terms hold', predicate: 'arch=9.0', host: NO_DEVICE, expect: 'satisfied' },
  {
    src: `${CONFIGURE}:172-175`,
    what: 'no device visible: even a non-version arch value holds (never compared)',
    predicate: 'arch=foo',
    host: NO_DEVICE,
    expect: 'satisfied',
  },
  {
    src: `${CONFIGURE}:175, ${DSL}:41-44`,
    what: 'a device visible: a non-version arch value is invalid',
    predicate: 'arch=foo',
    host: HOST,
    expect: 'invalid',
  },
  { src: `${CONFIGURE}:175`, what: 'arch compares as a version', predicate: 'arch>=7.5', host: HOST, expect: 'satisfied' },
  { src: `${CONFIGURE}:175`, what: 'arch compares as a version (false)', predicate: 'arch>=9.0', host: HOST, expect: 'unsatisfied' },
  {
    src: `${CONFIGURE}:150-151`,
    what: 'CUDA version unknown: cuda terms hold',
    predicate: 'cuda>=99.0',
    host: { driver: '550.54.15', device: { arch: '8.0', brand: 'tesla' } },
    expect: 'satisfied',
  },
  {
    src: `${CONFIGURE}:150-151`,
    what: 'CUDA version unknown: even a non-version cuda value holds (never compared)',
    predicate: 'cuda>=foo',
    host: { driver: '550.54.15' },
    expect: 'satisfied',
  },
  { src: `${CONFIGURE}:162-163`, what: 'driver version unknown: driver terms hold', predicate: 'driver>=999', host: { cuda: '12.4' }, expect: 'satisfied' },

  // versions through the rule
  { src: `${DSL}:61-62`, what: 'runs of dots are skipped: cuda=12..4 on 12.4', predicate: 'cuda=12..4', host: HOST, expect: 'satisfied' },
  { src: `${DSL}:61-62, :64-70`, what: 'a trailing dot is ignored: cuda=12.4. on 12.4', predicate: 'cuda=12.4.', host: HOST, expect: 'satisfied' },
  { src: `${DSL}:49-50`, what: 'a leading dot is invalid when compared (.5)', predicate: 'cuda>=.5', host: HOST, expect: 'invalid', term: 'cuda>=.5' },
  {
    src: `${DSL}:51-59`,
    what: 'a part >= 2^64-1 is not read when an earlier part decides (cuda>=12.99999999999999999999 on 13.0)',
    predicate: 'cuda>=12.99999999999999999999',
    host: host({ cuda: '13.0' }),
    expect: 'satisfied',
  },
  {
    src: `${DSL}:47-50`,
    what: 'a part >= 2^64-1 is invalid when the comparison reaches it (cuda>=13.99999999999999999999 on 13.0)',
    predicate: 'cuda>=13.99999999999999999999',
    host: host({ cuda: '13.0' }),
    expect: 'invalid',
  },
  {
    src: `${DSL}:46, :64-65, :76-77`,
    what: 'a part >= 2^64-1 past the end of the host version is never parsed (cuda>=12.4.99999999999999999999 on 12.4: false)',
    predicate: 'cuda>=12.4.99999999999999999999',
    host: HOST,
    expect: 'unsatisfied',
  },
  { src: `${DSL}:64-70`, what: 'a trailing .0 is ignored: cuda=12.4.0 on 12.4', predicate: 'cuda=12.4.0', host: HOST, expect: 'satisfied' },
  { src: `${DSL}:64-70`, what: 'a trailing .0 is ignored: cuda>12.4.0 on 12.4 is false', predicate: 'cuda>12.4.0', host: HOST, expect: 'unsatisfied' },
  {
    src: `${DSL}:47, strtoumax`,
    what: 'leading zeros in a part are read as decimal: cuda=012.04 on 12.4',
    predicate: 'cuda=012.04',
    host: HOST,
    expect: 'satisfied',
  },
  {
    src: `${DSL}:46-63, :76-77`,
    what: 'driver>=470,driver<471 holds for 470.82.01',
    predicate: 'driver>=470,driver<471',
    host: host({ driver: '470.82.01' }),
    expect: 'satisfied',
  },
  {
    src: `${DSL}:46-63, :76-77`,
    what: 'driver>=470,driver<471 holds for 470.256.02',
    predicate: 'driver>=470,driver<471',
    host: host({ driver: '470.256.02' }),
    expect: 'satisfied',
  },
  {
    src: `${DSL}:46-63, :68-70`,
    what: 'driver>=470,driver<471 holds for 470 itself',
    predicate: 'driver>=470,driver<471',
    host: host({ driver: '470' }),
    expect: 'satisfied',
  },
  {
    src: `${DSL}:56-57, :166-167`,
    what: 'driver>=470,driver<471 fails for 471.11',
    predicate: 'driver>=470,driver<471',
    host: host({ driver: '471.11' }),
    expect: 'unsatisfied',
    message: unsat('driver>=470,driver<471'),
  },
  {
    src: `${DSL}:58-59`,
    what: 'driver>=470,driver<471 fails for 465.19.01',
    predicate: 'driver>=470,driver<471',
    host: host({ driver: '465.19.01' }),
    expect: 'unsatisfied',
  },

  // the message
  {
    src: `${DSL}:163-165`,
    what: 'a first token starting with cuda>= gets the "update your driver" hint',
    predicate: 'cuda>=13.0',
    host: HOST,
    expect: 'unsatisfied',
    message: unsat('cuda>=13.0') + LONG,
  },
  {
    src: `${DSL}:163-165`,
    what: 'the message quotes the whole first space-separated token, whichever term failed',
    predicate: 'cuda>=12.0,driver>=999 cuda>=13.0',
    host: HOST,
    expect: 'unsatisfied',
    message: unsat('cuda>=12.0,driver>=999') + LONG,
  },
  {
    src: `${DSL}:163, :166-167`,
    what: 'another first token gets no hint',
    predicate: 'driver>=999 cuda>=13.0',
    host: HOST,
    expect: 'unsatisfied',
    message: unsat('driver>=999'),
  },
  {
    src: `${DSL}:164 (strncmp, case-sensitive)`,
    what: 'CUDA>= (upper case) gets no hint',
    predicate: 'CUDA>=13.0',
    host: HOST,
    expect: 'unsatisfied',
    message: unsat('CUDA>=13.0'),
  },
  {
    src: `${DSL}:144-145, :163, :167`,
    what: 'a leading space makes the quoted token empty',
    predicate: ' cuda>=13.0',
    host: HOST,
    expect: 'unsatisfied',
    message: unsat(''),
  },

  // the 128-byte buffer
  {
    src: `${DSL}:15, :119-122`,
    what: 'a false term formatted to 127 bytes ("driver < " + 118) is unsatisfied',
    predicate: `driver<9${'.'.repeat(117)}`,
    host: HOST,
    expect: 'unsatisfied',
  },
  {
    src: `${DSL}:15, :119-122`,
    what: 'a false term formatted to 128 bytes does not fit the buffer: invalid',
    predicate: `driver<9${'.'.repeat(118)}`,
    host: HOST,
    expect: 'invalid',
  },
  {
    src: `${DSL}:119-124`,
    what: 'a true term is never formatted: any length holds',
    predicate: `driver>9${'.'.repeat(300)}`,
    host: HOST,
    expect: 'satisfied',
  },
  {
    src: `${DSL}:28, :107, :121`,
    what: "the buffer holds op->str: a lone '!' is formatted as '!=' (\"driver != 550.54.15\" + 108 dots = 127 bytes)",
    predicate: `driver!550.54.15${'.'.repeat(108)}`,
    host: HOST,
    expect: 'unsatisfied',
  },
  {
    src: `${DSL}:28, :107, :121`,
    what: "the buffer holds op->str: a lone '!' is formatted as '!=' (+ 109 dots = 128 bytes: invalid)",
    predicate: `driver!550.54.15${'.'.repeat(109)}`,
    host: HOST,
    expect: 'invalid',
  },
];

export interface CompareCase {
  src: string;
  v1: string;
  cmp: 'EQUAL' | 'NOT_EQUAL' | 'LESS' | 'LESS_EQUAL' | 'GREATER' | 'GREATER_EQUAL';
  v2: string;
  expect: boolean | -1;
}

/** dsl_compare_version(v1 = the host's value, cmp, v2 = the requirement's value) */
export const COMPARE_CASES: CompareCase[] = [
  { src: `${DSL}:61-62`, v1: '12.4', cmp: 'EQUAL', v2: '12..4', expect: true },
  { src: `${DSL}:61-62, :64-70`, v1: '12.4', cmp: 'EQUAL', v2: '12.4.', expect: true },
  { src: `${DSL}:61-62, :64-70`, v1: '12.4', cmp: 'EQUAL', v2: '12.4...', expect: true },
  { src: `${DSL}:49-50`, v1: '12.4', cmp: 'GREATER_EQUAL', v2: '.5', expect: -1 },
  { src: `${DSL}:47-48`, v1: '.5', cmp: 'GREATER_EQUAL', v2: '12.4', expect: -1 },
  { src: `${DSL}:41-44`, v1: '12.4', cmp: 'GREATER_EQUAL', v2: '12.4a', expect: -1 },
  { src: `${DSL}:41-44`, v1: '12.4', cmp: 'GREATER_EQUAL', v2: '+12', expect: -1 },
  { src: `${DSL}:51-59`, v1: '13.0', cmp: 'GREATER_EQUAL', v2: '12.99999999999999999999', expect: true },
  { src: `${DSL}:49-50`, v1: '13.0', cmp: 'GREATER_EQUAL', v2: '13.99999999999999999999', expect: -1 },
  { src: `${DSL}:46, :64-65, :76-77`, v1: '12.4', cmp: 'GREATER_EQUAL', v2: '12.4.99999999999999999999', expect: false },
  { src: `${DSL}:46, :64-65, :74-75`, v1: '12.4', cmp: 'LESS', v2: '12.4.99999999999999999999', expect: true },
  { src: `${DSL}:47-48 (== UINTMAX_MAX)`, v1: '18446744073709551615', cmp: 'EQUAL', v2: '1', expect: -1 },
  { src: `${DSL}:49-50 (== UINTMAX_MAX)`, v1: '1', cmp: 'EQUAL', v2: '18446744073709551615', expect: -1 },
  { src: `${DSL}:47-50, :64-70`, v1: '18446744073709551614', cmp: 'EQUAL', v2: '18446744073709551614', expect: true },
  { src: `${DSL}:64-70`, v1: '12.4', cmp: 'EQUAL', v2: '12.4.0', expect: true },
  { src: `${DSL}:64-70`, v1: '12.4.0', cmp: 'EQUAL', v2: '12.4', expect: true },
  { src: `${DSL}:64-67`, v1: '12.4', cmp: 'NOT_EQUAL', v2: '12.4.0.0', expect: false },
  { src: `${DSL}:64-65, :74-75`, v1: '12.4', cmp: 'LESS', v2: '12.4.0.1', expect: true },
  { src: `${DSL}:68-73, :76-77`, v1: '12.4', cmp: 'GREATER', v2: '12.4.0', expect: false },
  { src: `${DSL}:68-70`, v1: '12.4', cmp: 'LESS_EQUAL', v2: '12.4', expect: true },
  { src: `${DSL}:64-65, :76-77`, v1: '12.4', cmp: 'GREATER', v2: '12.4.05', expect: false },
  { src: `${DSL}:64-70`, v1: '0.0', cmp: 'EQUAL', v2: '0', expect: true },
  { src: `${DSL}:47 (strtoumax base 10)`, v1: '12.4', cmp: 'EQUAL', v2: '012.04', expect: true },
  { src: `${DSL}:76-77`, v1: '470.82.01', cmp: 'GREATER_EQUAL', v2: '470', expect: true },
  { src: `${DSL}:56-57`, v1: '470.82.01', cmp: 'LESS', v2: '471', expect: true },
  { src: `${DSL}:47-50, :64-70`, v1: '470.82.01', cmp: 'EQUAL', v2: '470.82.1', expect: true },
];

// ---- 2. derived from the toolkit's parser ------------------------------------------------------------------------

export const MASTERMINDS_CASES: MajorMinorCase[] = [
  { src: `${SEMVER}:71, :265`, what: 'leading zeros are accepted in coerce mode (ParseUint reads 012 as 12)', version: '012.4', expected: '12.4' },
  { src: `${SEMVER}:71, :271`, what: 'leading zeros in the minor part', version: '12.04.1', expected: '12.4' },
  { src: `${SEMVER}:72, :291-294, :743-755`, what: 'an alphanumeric prerelease is accepted', version: '12.4-rc1', expected: '12.4' },
  { src: `${SEMVER}:291-294, :748-750`, what: 'a numeric prerelease identifier with a leading zero is rejected', version: '12.4.1-rc.01', expected: undefined },
  { src: `${SEMVER}:291-294, :748-750`, what: 'a numeric prerelease identifier without a leading zero is accepted', version: '12.4.1-rc.1', expected: '12.4' },
  { src: `${SEMVER}:73, :297-301, :764-773`, what: 'build metadata may have leading zeros', version: '12.4.1+build.01', expected: '12.4' },
  { src: `${SEMVER}:72`, what: 'an empty prerelease is rejected', version: '12.4.1-', expected: undefined },
  { src: `${SEMVER}:60, :177-179`, what: 'a 256-byte version is accepted', version: `12.4.1-${'a'.repeat(249)}`, expected: '12.4' },
  { src: `${SEMVER}:60, :177-179`, what: 'a 257-byte version is rejected (MaxVersionLen)', version: `12.4.1-${'a'.repeat(250)}`, expected: undefined },
  { src: `${CUDA_IMAGE}:211-213`, what: 'a major above uint32 is rejected', version: '4294967296.0', expected: undefined },
  { src: `${CUDA_IMAGE}:215-217`, what: 'a minor above uint32 is rejected', version: '1.4294967296', expected: undefined },
  { src: `${SEMVER}:265-268`, what: 'a major above uint64 is rejected', version: '18446744073709551616', expected: undefined },
  {
    src: `${SEMVER}:279-283`,
    what: 'a patch above uint64 is rejected although only major.minor is used',
    version: '1.2.18446744073709551616',
    expected: undefined,
  },
  { src: `${SEMVER}:279-283, ${CUDA_IMAGE}:208`, what: 'a patch up to uint64 is accepted', version: '1.2.18446744073709551615', expected: '1.2' },
  { src: `${SEMVER}:71, :85`, what: "only a lower-case 'v' prefix", version: 'V11.6', expected: undefined },
  { src: `${SEMVER}:85 (Go's $ is end of text)`, what: 'a trailing newline is rejected', version: '12.4\n', expected: undefined },
  { src: `${SEMVER}:85`, what: 'a leading space is rejected', version: ' 12.4', expected: undefined },
];

export const COLLECT_CASES: RequirementsCase[] = [
  { src: `${CUDA_IMAGE}:101-105`, what: 'an empty CUDA_VERSION is not a legacy image: nothing required', env: { CUDA_VERSION: '' }, expected: [] },
  {
    src: `${CUDA_IMAGE}:101-105, :120-124`,
    what: 'an empty NVIDIA_REQUIRE_CUDA still makes the image legacy; the empty value is passed as well',
    env: { CUDA_VERSION: '11.6', NVIDIA_REQUIRE_CUDA: '' },
    expected: ['', 'cuda>=11.6'],
  },
  { src: `${CUDA_IMAGE}:125-129, :193-198`, what: 'an unreadable CUDA_VERSION fails GetRequirements', env: { CUDA_VERSION: 'foo' }, expected: 'error' },
  {
    src: `${CUDA_IMAGE}:101-105`,
    what: 'an unreadable CUDA_VERSION is not read when NVIDIA_REQUIRE_CUDA is set',
    env: { CUDA_VERSION: 'foo', NVIDIA_REQUIRE_CUDA: 'cuda>=12.4' },
    expected: ['cuda>=12.4'],
  },
  {
    src: `${CUDA_IMAGE}:114-116`,
    what: 'NVIDIA_DISABLE_REQUIRE is read before CUDA_VERSION: no error',
    env: { CUDA_VERSION: 'foo', NVIDIA_DISABLE_REQUIRE: 'true' },
    expected: [],
  },
  {
    src: `${CUDA_IMAGE}:139-142 (strconv.ParseBool)`,
    what: 'NVIDIA_DISABLE_REQUIRE=1 disables',
    env: { NVIDIA_REQUIRE_CUDA: 'cuda>=12.4', NVIDIA_DISABLE_REQUIRE: '1' },
    expected: [],
  },
  {
    src: `${CUDA_IMAGE}:139-142 (strconv.ParseBool)`,
    what: 'NVIDIA_DISABLE_REQUIRE=T disables',
    env: { NVIDIA_REQUIRE_CUDA: 'cuda>=12.4', NVIDIA_DISABLE_REQUIRE: 'T' },
    expected: [],
  },
  {
    src: `${CUDA_IMAGE}:139-142 (strconv.ParseBool)`,
    what: 'NVIDIA_DISABLE_REQUIRE=TRUE disables',
    env: { NVIDIA_REQUIRE_CUDA: 'cuda>=12.4', NVIDIA_DISABLE_REQUIRE: 'TRUE' },
    expected: [],
  },
  {
    src: `${CUDA_IMAGE}:139-142 (strconv.ParseBool)`,
    what: 'NVIDIA_DISABLE_REQUIRE=yes is a ParseBool error: false',
    env: { NVIDIA_REQUIRE_CUDA: 'cuda>=12.4', NVIDIA_DISABLE_REQUIRE: 'yes' },
    expected: ['cuda>=12.4'],
  },
  {
    src: `${CUDA_IMAGE}:139-142 (strconv.ParseBool)`,
    what: 'NVIDIA_DISABLE_REQUIRE=tRUE is a ParseBool error: false',
    env: { NVIDIA_REQUIRE_CUDA: 'cuda>=12.4', NVIDIA_DISABLE_REQUIRE: 'tRUE' },
    expected: ['cuda>=12.4'],
  },
  {
    src: `${CUDA_IMAGE}:139-142 (strconv.ParseBool)`,
    what: 'NVIDIA_DISABLE_REQUIRE= (empty) is false',
    env: { NVIDIA_REQUIRE_CUDA: 'cuda>=12.4', NVIDIA_DISABLE_REQUIRE: '' },
    expected: ['cuda>=12.4'],
  },
  {
    src: `${CUDA_IMAGE}:121`,
    what: 'the prefix is case-sensitive: nvidia_require_cuda is not a requirement',
    env: { nvidia_require_cuda: 'cuda>=99' },
    expected: [],
  },
  { src: `${CUDA_IMAGE}:121`, what: 'NVIDIA_REQUIRE_ itself carries the prefix', env: { NVIDIA_REQUIRE_: 'driver>=1' }, expected: ['driver>=1'] },
  { src: `${CUDA_IMAGE}:121`, what: 'any name starting NVIDIA_REQUIRE_JETPACK is ignored', env: { NVIDIA_REQUIRE_JETPACKX: 'driver>=999' }, expected: [] },
  {
    src: `${CUDA_IMAGE}:125-131`,
    what: 'a legacy image requires cuda>=major.minor of CUDA_VERSION (12.4.1 → 12.4)',
    env: { CUDA_VERSION: '12.4.1' },
    expected: ['cuda>=12.4'],
  },
];
