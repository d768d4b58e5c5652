/**
 * The action's `sarif-file`: the report as a SARIF 2.1.0 log for GitHub code scanning. Each result points where its
 * annotation does — the line of the image's Dockerfile that brought the CUDA stack in — else at its target's entry
 * in the targets file; paths relative to the repository root (GITHUB_WORKSPACE).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSarif, sarifUri, type SarifLog, type SarifOptions } from '../report/sarif';
import type { Report } from '../report/types';
import { anchorLine } from './annotations';
import { parseDockerfile, resolveDockerfiles, type DockerfileText, type ParsedDockerfile } from './dockerfile';
import type { Inputs } from './inputs';
import { writeSarifFile } from './report-files';

export interface SarifEnv {
  /** the repository root (GITHUB_WORKSPACE); default the working directory */
  workspace?: string;
  cwd?: string;
  /** GITHUB_SERVER_URL and GITHUB_ACTION_REPOSITORY: the action's own README is the tool's informationUri */
  serverUrl?: string;
  actionRepository?: string;
}

export function sarifForAction(report: Report, inputs: Pick<Inputs, 'dockerfile' | 'targets' | 'driver'>, env: SarifEnv = {}): SarifLog {
  const cwd = env.cwd ?? process.cwd();
  const workspace = resolve(cwd, env.workspace || cwd);
  const sources = report.images.map((i) => i.source);
  // a Dockerfile that cannot be read was already said by the annotations' warning: here it only has no line
  const { bySource } = resolveDockerfiles(inputs.dockerfile, sources, { cwd, workspace });
  const parsed = new Map<DockerfileText, ParsedDockerfile>();
  const opts: SarifOptions = {
    dockerfile: (image, reason) => {
      const df = image && bySource.get(image.source);
      if (!image || !df) return undefined;
      if (!parsed.has(df)) parsed.set(df, parseDockerfile(df.text));
      return { uri: sarifUri(resolve(workspace, df.path), workspace), line: anchorLine(parsed.get(df)!, reason, image) };
    },
  };
  // an ad-hoc target (driver) or the probed runner has no file to point at
  if (!inputs.driver && inputs.targets !== 'probe') {
    const path = resolve(cwd, inputs.targets);
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      text = undefined;
    }
    opts.targetsFile = { uri: sarifUri(path, workspace), text };
  }
  if (env.actionRepository) opts.informationUri = `${env.serverUrl || 'https://github.com'}/${env.actionRepository}#readme`;
  return buildSarif(report, opts);
}

/** Builds and writes the SARIF file; the one error line for the step when it cannot be written. */
export function writeActionSarif(report: Report, inputs: Inputs & { sarifFile: string }): string | undefined {
  const sarif = sarifForAction(report, inputs, {
    workspace: process.env.GITHUB_WORKSPACE,
    serverUrl: process.env.GITHUB_SERVER_URL,
    actionRepository: process.env.GITHUB_ACTION_REPOSITORY,
  });
  return writeSarifFile(inputs.sarifFile, `${JSON.stringify(sarif, null, 2)}\n`);
}
