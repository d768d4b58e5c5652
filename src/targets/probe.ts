/**
 * `cuda-gate probe`: a target entry for the machine it runs on (self-hosted GPU runners). The driver comes from
 * nvidia-smi (or /proc/driver/nvidia/version when nvidia-smi is missing), the GPUs from
 * `nvidia-smi --query-gpu`. Nothing is guessed: without an NVIDIA driver it says so.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { promisify } from 'node:util';
import { GateError } from '../common/errors';
import { driverInputProblem } from '../common/driver-version';
import { findGpu } from '../matrix/queries';
import type { Matrix } from '../matrix/types';
import { resolveTargetGpu } from './gpu';
import type { Target } from '../model/target';

const execFileAsync = promisify(execFile);

export interface ProbedGpu {
  /** as nvidia-smi names it, e.g. "NVIDIA H100 80GB HBM3" */
  name: string;
  /** "9.0"; undefined when the driver is too old to report it */
  computeCapability?: string;
  driver: string;
}

export interface ProbeResult {
  host: string;
  driver: string;
  gpus: ProbedGpu[];
  /** how the driver was found */
  via: 'nvidia-smi' | '/proc/driver/nvidia/version';
}

export interface ProbeDeps {
  run(cmd: string, args: string[]): Promise<string>;
  procVersionPath: string;
  host: string;
}

const defaultDeps: ProbeDeps = {
  run: async (cmd, args) => (await execFileAsync(cmd, args, { timeout: 20_000 })).stdout,
  procVersionPath: '/proc/driver/nvidia/version',
  host: hostname(),
};

export async function probeHost(deps: Partial<ProbeDeps> = {}): Promise<ProbeResult> {
  const d = { ...defaultDeps, ...deps };
  let smiError: string | undefined;
  try {
    const out = await d.run('nvidia-smi', ['--query-gpu=driver_version,name,compute_cap', '--format=csv,noheader']);
    const gpus = parseQueryGpu(out);
    if (gpus.length) return { host: d.host, driver: gpus[0].driver, gpus, via: 'nvidia-smi' };
    smiError = 'nvidia-smi listed no GPU';
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    smiError = err.code === 'ENOENT' ? 'nvidia-smi is not on PATH' : `nvidia-smi failed: ${(err.stderr || err.message).trim().split('\n')[0]}`;
    // older drivers lack the compute_cap field: ask again without it
    if (err.code !== 'ENOENT') {
      try {
        const out = await d.run('nvidia-smi', ['--query-gpu=driver_version,name', '--format=csv,noheader']);
        const gpus = parseQueryGpu(out);
        if (gpus.length) return { host: d.host, driver: gpus[0].driver, gpus, via: 'nvidia-smi' };
      } catch {
        /* fall through to /proc */
      }
    }
  }
  if (existsSync(d.procVersionPath)) {
    const driver = parseProcVersion(readFileSync(d.procVersionPath, 'utf8'));
    if (driver) return { host: d.host, driver, gpus: [], via: '/proc/driver/nvidia/version' };
  }
  throw new GateError(
    'BAD_TARGETS',
    `probe: no NVIDIA driver on this machine (${smiError}; ${d.procVersionPath} does not exist)`,
    'run the probe on a GPU host with the NVIDIA driver installed, or write the target by hand: { driver: 550.54.15, gpu: H100 }',
  );
}

/** A driver version as --driver and a targets file accept it (the one check every driver input gets). */
const isHostDriver = (v: string): boolean => driverInputProblem(v, 'driver') === undefined;

/** Lines of `driver_version, name[, compute_cap]`. */
export function parseQueryGpu(out: string): ProbedGpu[] {
  const gpus: ProbedGpu[] = [];
  for (const line of out.split('\n')) {
    const parts = line.split(',').map((s) => s.trim());
    if (parts.length < 2 || !isHostDriver(parts[0])) continue;
    const cc = parts[2] && /^\d+\.\d+$/.test(parts[2]) ? parts[2] : undefined;
    gpus.push({ driver: parts[0], name: parts[1], computeCapability: cc });
  }
  return gpus;
}

/** "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024" -> 550.54.15 */
export function parseProcVersion(text: string): string | undefined {
  const m = /Kernel Module(?:\s+for\s+\S+)?\s+(\d+\.\d+(?:\.\d+)?)/.exec(text) ?? /NVRM version:.*?\s(\d{3}\.\d+(?:\.\d+)?)\s/.exec(text);
  return m?.[1] !== undefined && isHostDriver(m[1]) ? m[1] : undefined;
}

/** One target per distinct GPU model on the host (usually one). */
export function probeTargets(probe: ProbeResult, matrix: Matrix): Target[] {
  const host = probe.host.replace(/[^A-Za-z0-9_.-]/g, '-') || 'this-host';
  if (!probe.gpus.length) return [{ name: host, driver: probe.driver, forwardCompat: false, os: 'linux', origin: `probe (${probe.via})` }];
  const distinct = [...new Map(probe.gpus.map((g) => [`${g.name}|${g.computeCapability}`, g])).values()];
  return distinct.map((g, i) => {
    const gpuName = findGpu(matrix, g.name)?.catalogued ? g.name : g.computeCapability;
    return {
      name: distinct.length > 1 ? `${host}-gpu${i}` : host,
      driver: probe.driver,
      gpu: gpuName ? resolveTargetGpu(matrix, gpuName, 'probe') : undefined,
      forwardCompat: false,
      os: 'linux',
      origin: `probe (${probe.via})`,
    };
  });
}

/** The targets-file YAML for the probed host, with what nvidia-smi said as comments. */
export function probeYaml(probe: ProbeResult, targets: Target[]): string {
  const lines = ['# written by `cuda-gate probe` on ' + probe.host, 'targets:'];
  for (const t of targets) {
    const seen = probe.gpus.find((g) => t.gpu && (g.computeCapability === t.gpu.computeCapability || g.name === t.gpu.input));
    lines.push(`  ${t.name}:`);
    lines.push(`    driver: "${t.driver}"`);
    if (t.gpu)
      lines.push(
        `    gpu: "${t.gpu.gpu?.name ?? t.gpu.computeCapability}"${seen ? `   # ${seen.name}${seen.computeCapability ? `, compute capability ${seen.computeCapability}` : ''}` : ''}`,
      );
    lines.push('    # forward-compat: true   # only if this host runs images with cuda-compat libs (data-center GPUs)');
    // the probe cannot tell how containers are started here: the runtime stays unstated (both judged)
    lines.push('    # runtime: cdi   # or legacy (docker run --gpus); unset = judge both');
  }
  return lines.join('\n') + '\n';
}
