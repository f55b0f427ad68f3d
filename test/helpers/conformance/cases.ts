/**
 * ONNX's own conformance cases from Debian's libonnx-testdata: the list the
 * project counts (test/fixtures/conformance/cases.txt) and, per case, its
 * model and the TensorProtos of its first test data set.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTensorProto, type TensorProto } from '../../../src/onnx/proto.js';

/** Where Debian's libonnx-testdata puts the cases (folders node/, pytorch-converted/, pytorch-operator/). */
export const CONFORMANCE_DATA = '/usr/share/libonnx-testdata/data';

export const CONFORMANCE_INSTALL = 'sudo apt-get install -y libonnx-testdata';

const CASE_LIST = new URL('../../fixtures/conformance/cases.txt', import.meta.url);

/** The case names (`folder/test_name`) of cases.txt, in its order. */
export function conformanceCaseNames(): string[] {
  return readFileSync(CASE_LIST, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/** Throws, with the command that installs it, when the data folder is missing: the suite must fail, never skip. */
export function requireConformanceData(root = CONFORMANCE_DATA): void {
  if (!existsSync(join(root, 'node'))) {
    throw new Error(`ONNX conformance data not found at ${root}: install Debian's libonnx-testdata (${CONFORMANCE_INSTALL}); .ci/run does this on CI`);
  }
}

export interface ConformanceCase {
  name: string;
  model: Uint8Array;
  /** input_0.pb, input_1.pb… of test_data_set_0, in order. */
  inputs: TensorProto[];
  /** output_0.pb… in the order of the graph's outputs. */
  outputs: TensorProto[];
}

/** Reads the numbered `prefix_N.pb` files of a data set, 0 upwards. */
function readNumbered(dir: string, prefix: 'input' | 'output'): TensorProto[] {
  const count = readdirSync(dir).filter((f) => new RegExp(`^${prefix}_\\d+\\.pb$`).test(f)).length;
  return Array.from({ length: count }, (_, i) => decodeTensorProto(new Uint8Array(readFileSync(join(dir, `${prefix}_${i}.pb`)))));
}

export function readConformanceCase(name: string, root = CONFORMANCE_DATA): ConformanceCase {
  const dir = join(root, name);
  const data = join(dir, 'test_data_set_0');
  return { name, model: new Uint8Array(readFileSync(join(dir, 'model.onnx'))), inputs: readNumbered(data, 'input'), outputs: readNumbered(data, 'output') };
}
