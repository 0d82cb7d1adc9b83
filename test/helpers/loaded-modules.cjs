// Preloaded with `--require`: at exit, writes the CommonJS modules the process loaded (one path a line) to the
// file named by LOADED_MODULES_FILE, so a test can tell whether a run loaded a package at all.
const fs = require('node:fs');

process.on('exit', () => {
  fs.writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join('\n'));
});
