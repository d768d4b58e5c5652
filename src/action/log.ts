/**
 * The action's step-log lines. `core.info` writes text as it is, and the runner executes any log line that reads as a
 * workflow command (`::name::`, `##[name]`), so text that can hold image, artifact or file names goes through the
 * same escape as the CLI's output first. (`core.warning`/`core.error`/`setFailed` are commands of our own whose
 * message the toolkit escapes onto one line.)
 */
import * as core from '@actions/core';
import { inertToRunner } from '../common/control-chars';

export function info(message: string): void {
  core.info(inertToRunner(message));
}
