// Node's flags as the bin's first line gives them (`#!/usr/bin/env -S node …`): the bench runs the CLI with
// them, so its figures are the bin's.
import fs from 'node:fs';

export function binNodeFlags(cli) {
  return fs
    .readFileSync(cli, 'utf8')
    .split('\n', 1)[0]
    .split(' ')
    .filter((word) => word.startsWith('--'));
}
