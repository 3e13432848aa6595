import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.js';

/**
 * The one reader of YAML files (the Skein config, loadgen topologies; JSON is YAML too). Both
 * failures are ConfigErrors naming the file, so `main` prints them as one line without a stack.
 * Returns the parsed document as it is (null for an empty file): its shape is the schema's business.
 *
 * `what` names the kind of file in messages: `config file`, `topology file`.
 */
export function readYamlFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${what} ${path} is not valid YAML: ${(error as Error).message}`);
  }
}
