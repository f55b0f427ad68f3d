/** Which peers a bench page URL asks for: only those are imported (pure, no GPU, no browser). */
import { expect, test } from 'vitest';
import { peersFromParam } from '../../bench/peers_browser.js';

test('peers=…: absent or 1 both, 0 none, a list those it names', () => {
  expect(peersFromParam(null)).toEqual(['ort', 'tfjs']);
  expect(peersFromParam('1')).toEqual(['ort', 'tfjs']);
  expect(peersFromParam('0')).toEqual([]);
  expect(peersFromParam('tfjs')).toEqual(['tfjs']);
  expect(peersFromParam('tfjs, ort')).toEqual(['ort', 'tfjs']);
  expect(peersFromParam('onnx')).toEqual([]);
});
