/**
 * Turns the settings list into command-line options (`--port`, `--port-file`,
 * …) and back into the flag record the config loader reads.
 */
import { Option, type Command } from 'commander';
import { SETTINGS, type SettingDef } from '../config/schema.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Adds every setting in `groups` (all when omitted) as an option of `command`. */
export function addSettingOptions(command: Command, groups?: readonly SettingDef['group'][]): Command {
  for (const def of SETTINGS as readonly SettingDef[]) {
    if (groups && !groups.includes(def.group)) continue;
    const placeholder = def.type === 'bool' ? '[bool]' : def.secret ? '<secret>' : '<value>';
    const defaults = def.default !== undefined && !def.secret ? ` (default: ${def.default})` : '';
    command.addOption(new Option(`--${def.flag} ${placeholder}`, `${def.description} [env: ${def.env}]${defaults}`));
    command.addOption(new Option(`--${def.flag}-file <path>`, `read --${def.flag} from a file [env: ${def.env}_FILE]`).hideHelp(!def.secret));
  }
  return command;
}

export function flagsFrom(options: Record<string, unknown>): Record<string, string | boolean | undefined> {
  const flags: Record<string, string | boolean | undefined> = {};
  for (const def of SETTINGS as readonly SettingDef[]) {
    const value = options[camel(def.flag)];
    if (value !== undefined) flags[def.flag] = value === true ? 'true' : (value as string);
    const file = options[camel(`${def.flag}-file`)];
    if (file !== undefined) flags[`${def.flag}-file`] = file as string;
  }
  return flags;
}

/** Loads the config or prints every problem and exits with status 2. */
export function configOrExit(options: Record<string, unknown>, overrides: Record<string, string> = {}): Config {
  try {
    return loadConfig({ flags: { ...flagsFrom(options), ...overrides }, env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
