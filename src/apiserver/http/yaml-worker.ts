/**
 * The worker thread of `yaml-decode.ts`: receives YAML text, answers with its JSON text or
 * the reason it does not decode.
 */
import { parentPort } from 'node:worker_threads';
import { YamlError, yamlToJson } from './yaml-decode.ts';

parentPort?.on('message', (text: string) => {
  try {
    parentPort?.postMessage({ json: yamlToJson(text) });
  } catch (err) {
    const message = err instanceof YamlError ? err.message : `${(err as Error).message}`;
    parentPort?.postMessage({ error: message });
  }
});
