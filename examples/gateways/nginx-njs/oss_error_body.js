// njs flavour: keeps the first 8 KiB of each response body with status >= 300 in $oss_error_body for the access log.
const MAX = 8192;

function collect(r, data, flags) {
  // Success bodies are objects: never kept. Error bodies are small; the cap bounds a hostile or odd one.
  if (r.status >= 300 && data.length > 0) {
    // An exception in a body filter empties the response: keeping the body must never cost the client it.
    try {
      const kept = r.rawVariables.oss_error_body;
      // njs 0.7 hands out an empty variable as a detached Buffer, which Buffer.concat refuses.
      const before = kept && kept.length > 0 ? kept : Buffer.alloc(0);
      if (before.length < MAX) {
        r.variables.oss_error_body = Buffer.concat([before, data.subarray(0, MAX - before.length)]);
      }
    } catch (e) {
      r.error(`oss_error_body: ${e}`);
    }
  }
  r.sendBuffer(data, flags);
}

export default { collect };
